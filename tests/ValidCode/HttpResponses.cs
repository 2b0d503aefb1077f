using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ValidCode;

public sealed record Repository(string Name, int Stars);

/// <summary>LEAK001 near misses: responses and body streams disposed on every normal path.</summary>
public sealed class HttpResponses
{
    private readonly HttpClient _client;

    public HttpResponses(HttpClient client) => _client = client;

    public async Task<string> UsingStatementAsync(Uri uri)
    {
        using (var response = await _client.GetAsync(uri))
        {
            return await response.Content.ReadAsStringAsync();
        }
    }

    public async Task<string> UsingDeclarationAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> EnsureSuccessChainedInUsingAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = (await _client.GetAsync(uri, cancellationToken)).EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public async Task<HttpStatusCode> SendWithRequestAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return response.StatusCode;
    }

    public async Task PostJsonAsync(Uri uri, Repository repository, CancellationToken cancellationToken)
    {
        using var response = await _client.PostAsJsonAsync(uri, repository, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public Task<Repository?> GetFromJsonAsync(Uri uri, CancellationToken cancellationToken) =>
        _client.GetFromJsonAsync<Repository>(uri, cancellationToken);

    public async Task<Repository?> AwaitUsingStreamAsync(Uri uri, CancellationToken cancellationToken)
    {
        await using var stream = await _client.GetStreamAsync(uri, cancellationToken);
        return await JsonSerializer.DeserializeAsync<Repository>(stream, cancellationToken: cancellationToken);
    }

    public async Task<Repository?> ContentStreamOfDisposedResponseAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        // The response owns its content stream: disposing the response is enough.
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync<Repository>(stream, cancellationToken: cancellationToken);
    }

    public async Task<bool> DisposeBeforeEarlyReturnAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            return false;
        }

        var body = await response.Content.ReadAsStringAsync();
        response.Dispose();
        return body.Length > 0;
    }

    public async Task<string> DisposeInEveryBranchAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        if (response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            return body;
        }
        else
        {
            response.Dispose();
            return string.Empty;
        }
    }

    public async Task<string?> DisposeInEverySwitchCaseAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                var body = await response.Content.ReadAsStringAsync();
                response.Dispose();
                return body;
            case HttpStatusCode.NotFound:
            case HttpStatusCode.Gone:
                response.Dispose();
                return null;
            default:
                var status = response.StatusCode;
                response.Dispose();
                throw new HttpRequestException($"Unexpected status {status}", null, status);
        }
    }

    public async Task<HttpStatusCode> DisposeInFinallyAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        try
        {
            return response.StatusCode;
        }
        finally
        {
            response.Dispose();
        }
    }

    public async Task<string> NullInitializedAndDisposedInFinallyAsync(Uri uri, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await _client.GetAsync(uri, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        finally
        {
            response?.Dispose();
        }
    }

    public async Task<string?> CatchThatReturnsWithoutDisposingAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        try
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            return body;
        }
        catch (HttpRequestException)
        {
            // An exception path: not required to dispose (docs/ownership.md, "Disposed on every path").
            return null;
        }
    }

    public async Task<long> CloseTheStreamAsync(Uri uri)
    {
        var stream = await _client.GetStreamAsync(uri);
        var buffer = new byte[8192];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        stream.Close();
        return total;
    }

    public async Task<List<Uri>> DisposeInLoopWithContinueAsync(IEnumerable<Uri> uris, CancellationToken cancellationToken)
    {
        var healthy = new List<Uri>();
        foreach (var uri in uris)
        {
            var response = await _client.GetAsync(uri, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                continue;
            }

            healthy.Add(uri);
            response.Dispose();
        }

        return healthy;
    }

    public async Task<int> UsingInLoopAsync(IReadOnlyList<Uri> uris, CancellationToken cancellationToken)
    {
        var failures = 0;
        for (var i = 0; i < uris.Count; i++)
        {
            using var response = await _client.GetAsync(uris[i], cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                break;
            }

            if (!response.IsSuccessStatusCode)
            {
                failures++;
            }
        }

        return failures;
    }

    public async Task<HttpStatusCode> DisposedThroughAnAliasAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        var current = response;
        var status = current.StatusCode;
        current.Dispose();
        return status;
    }

    public HttpStatusCode SynchronousSend(Uri uri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = _client.Send(request);
        return response.StatusCode;
    }

    /// <summary>Legacy synchronous callers block on the task; the response is still disposed.</summary>
    public string BlockingGet(Uri uri)
    {
        using var response = _client.GetAsync(uri).GetAwaiter().GetResult();
        return response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    /// <summary>The caller owns a response that comes in as a parameter; reading it is fine.</summary>
    public static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync<T>(stream, cancellationToken: cancellationToken);
    }
}

/// <summary>LEAK001 near misses: ownership of the response leaves the method.</summary>
public sealed class EscapingResponses
{
    private readonly HttpClient _client;
    private readonly HttpResponseMessage?[] _slots = new HttpResponseMessage?[4];
    private readonly List<HttpResponseMessage> _pending = new();
    private readonly Dictionary<string, HttpResponseMessage> _byKey = new();
    private HttpResponseMessage? _last;
    private Action? _release;

    public EscapingResponses(HttpClient client) => _client = client;

    public HttpResponseMessage? Latest { get; private set; }

    public Task<HttpResponseMessage> ForwardAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _client.SendAsync(request, cancellationToken);

    public async Task<HttpResponseMessage> GetCheckedAsync(Uri uri, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync(uri, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new UnauthorizedAccessException(uri.ToString());
        }

        return response;
    }

    public async Task<Stream> OpenBodyAsync(Uri uri, CancellationToken cancellationToken) =>
        await _client.GetStreamAsync(uri, cancellationToken);

    public async IAsyncEnumerable<HttpResponseMessage> GetAllAsync(IEnumerable<Uri> uris, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var uri in uris)
        {
            yield return await _client.GetAsync(uri, cancellationToken);
        }
    }

    public async Task StoreInFieldAsync(Uri uri)
    {
        _last?.Dispose();
        _last = await _client.GetAsync(uri);
    }

    public async Task StoreInPropertyAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        Latest?.Dispose();
        Latest = response;
    }

    public async Task StoreInArrayElementAsync(int slot, Uri uri)
    {
        _slots[slot]?.Dispose();
        _slots[slot] = await _client.GetAsync(uri);
    }

    public async Task AddToListAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        _pending.Add(response);
    }

    public async Task StoreInDictionaryAsync(string key, Uri uri)
    {
        if (_byKey.Remove(key, out var previous))
        {
            previous.Dispose();
        }

        _byKey[key] = await _client.GetAsync(uri);
    }

    public bool TrySend(Uri uri, out HttpResponseMessage response)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        response = _client.Send(request);
        return response.IsSuccessStatusCode;
    }

    public async Task<Func<CancellationToken, Task<string>>> ReadLaterAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
        return async cancellationToken =>
        {
            using (response)
            {
                return await response.Content.ReadAsStringAsync(cancellationToken);
            }
        };
    }

    public async Task KeepUntilReleasedAsync(Uri uri)
    {
        var response = await _client.GetAsync(uri);
        _release = () => response.Dispose();
    }

    public void Release() => _release?.Invoke();

    public async Task<string> ReadThroughWrapperAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await _client.GetStreamAsync(uri, cancellationToken));
        return await reader.ReadToEndAsync(cancellationToken);
    }

    public async Task<StreamReader> OpenReaderAsync(Uri uri, CancellationToken cancellationToken)
    {
        var stream = await _client.GetStreamAsync(uri, cancellationToken);
        return new StreamReader(stream);
    }
}
