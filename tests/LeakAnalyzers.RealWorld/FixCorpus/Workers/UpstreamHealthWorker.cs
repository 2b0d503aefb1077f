using System.Net.Sockets;

namespace Corpus.Workers;

/// <summary>Probes the upstreams every 30 s and records which are reachable.</summary>
public sealed class UpstreamHealthWorker : BackgroundService
{
    private static readonly string[] Upstreams = { "orders-db:5432", "cache:6379", "search:9200" };
    private readonly IHttpClientFactory _factory;
    private readonly ILogger<UpstreamHealthWorker> _logger;

    public UpstreamHealthWorker(IHttpClientFactory factory, ILogger<UpstreamHealthWorker> logger)
    {
        _factory = factory;
        _logger = logger;
    }

    public static Dictionary<string, bool> Reachable { get; } = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var probes = Upstreams.Select(ProbeAsync).ToArray();
            Task.WaitAll(probes, TimeSpan.FromSeconds(10));
            await CheckSearchClusterAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
        }
    }

    private async Task<bool> ProbeAsync(string endpoint)
    {
        var parts = endpoint.Split(':');
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(parts[0], int.Parse(parts[1]));
            Reachable[endpoint] = true;
            tcp.Close();
            return true;
        }
        catch (SocketException)
        {
            Reachable[endpoint] = false;
            return false;
        }
    }

    private async Task CheckSearchClusterAsync()
    {
        var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) });
        var health = client.GetStringAsync("http://search:9200/_cluster/health");
        var finished = await Task.WhenAny(health, Task.Delay(3000));
        if (finished == health)
        {
            _logger.LogInformation("search: {Health}", await health);
        }
        else
        {
            _logger.LogWarning("search health check timed out");
        }
    }
}
