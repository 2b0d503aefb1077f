namespace ValidCode;

/// <summary>
/// The project's own opt-in marker (docs/ownership.md: a parameter marked [TransferOwnership], in any
/// namespace): the callee becomes responsible for disposing the argument.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TransferOwnershipAttribute : Attribute
{
}

public interface IResponseSink
{
    void Accept([TransferOwnership] HttpResponseMessage response);
}

/// <summary>Responses handed to something that owns them from then on.</summary>
public sealed class Ownership : IDisposable
{
    private readonly HttpClient _client;
    private readonly IResponseSink _sink;
    private readonly Queue<HttpResponseMessage> _retained = new();

    public Ownership(HttpClient client, IResponseSink sink)
    {
        _client = client;
        _sink = sink;
    }

    public async Task HandToAttributedParameterAsync(Uri uri, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync(uri, cancellationToken);
        _sink.Accept(response);
    }

    public async Task<string> HandToHelperThatDisposesAsync(Uri uri, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync(uri, cancellationToken);
        return await ReadAndDisposeAsync(response, cancellationToken);
    }

    public async Task HandToHelperThatStoresAsync(Uri uri, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync(uri, cancellationToken);
        Retain(response);
    }

    public async Task HandToHelperThatClosesAsync(Uri uri, CancellationToken cancellationToken)
    {
        var stream = await _client.GetStreamAsync(uri, cancellationToken);
        Drain(stream);
    }

    public void Dispose()
    {
        while (_retained.TryDequeue(out var response))
        {
            response.Dispose();
        }
    }

    private static async Task<string> ReadAndDisposeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
    }

    private void Retain(HttpResponseMessage response) => _retained.Enqueue(response);

    private static void Drain(Stream stream)
    {
        stream.CopyTo(Stream.Null);
        stream.Close();
    }
}

/// <summary>Clients made by IHttpClientFactory are pooled by the factory; only the responses need disposing.</summary>
public sealed class FactoryClients
{
    private readonly IHttpClientFactory _factory;

    public FactoryClients(IHttpClientFactory factory) => _factory = factory;

    public async Task<string> GetAsync(string path, CancellationToken cancellationToken)
    {
        var client = _factory.CreateClient("backend");
        using var response = await client.GetAsync(path, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }
}

/// <summary>A typed client: the HttpClient is injected and owned by the factory.</summary>
public sealed class GitHubClient(HttpClient http)
{
    public async Task<bool> RepositoryExistsAsync(string owner, string name, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"repos/{owner}/{name}", cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
