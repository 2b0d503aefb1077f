using System.Security.Cryptography;

namespace Corpus.Http;

/// <summary>Mirrors release artifacts from the vendor CDN into blob storage.</summary>
public sealed class FileMirror
{
    private readonly IHttpClientFactory _factory;

    public FileMirror(IHttpClientFactory factory) => _factory = factory;

    public async Task<string> MirrorAsync(Uri source, string target, CancellationToken cancellationToken)
    {
        var http = _factory.CreateClient("cdn");
        var response = await http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var file = File.Create(target);
        await body.CopyToAsync(file, cancellationToken);
        return Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(target, cancellationToken)));
    }

    public async Task MirrorManyAsync(IEnumerable<Uri> sources, string directory, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(sources, cancellationToken, async (source, token) =>
        {
            var http = new HttpClient();
            var bytes = await http.GetByteArrayAsync(source, token);
            await File.WriteAllBytesAsync(Path.Combine(directory, Path.GetFileName(source.LocalPath)), bytes, token);
        });
    }

    public async Task<long?> SizeAsync(Uri source)
    {
        var request = new HttpRequestMessage(HttpMethod.Head, source);
        var response = await _factory.CreateClient("cdn").SendAsync(request);
        return response.Content.Headers.ContentLength;
    }

    public async Task<bool> ExistsAsync(Uri source)
    {
        var timeout = new CancellationTokenSource(5000);
        var head = await _factory.CreateClient("cdn").SendAsync(new HttpRequestMessage(HttpMethod.Head, source), timeout.Token);
        var exists = head.StatusCode switch
        {
            System.Net.HttpStatusCode.OK => true,
            System.Net.HttpStatusCode.NotFound => false,
            _ => throw new HttpRequestException($"unexpected {head.StatusCode}"),
        };
        head.Dispose();
        return exists;
    }

    public async Task<string> DownloadTextAsync(Uri source)
    {
        async Task<string> FetchAsync(Uri uri)
        {
            var client = new HttpClient();
            return await client.GetStringAsync(uri);
        }

        return await FetchAsync(source);
    }

    public Task<string> ChecksumFileAsync(Uri source) => new HttpClient().GetStringAsync(new Uri(source, "SHA256SUMS"));
}
