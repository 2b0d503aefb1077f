using System.Net.WebSockets;
using Grpc.Net.Client;

namespace Corpus.Http;

/// <summary>Inventory over gRPC, plus the stock-ticker websocket feed for the storefront.</summary>
public sealed class InventoryGateway
{
    private readonly InventoryClient _client;
    private readonly ILogger<InventoryGateway> _logger;
    private readonly string _address;

    public InventoryGateway(InventoryClient client, ILogger<InventoryGateway> logger, IConfiguration configuration)
    {
        _client = client;
        _logger = logger;
        _address = configuration["Inventory:Url"]!;
    }

    public async Task<int> OnHandAsync(string sku, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromMilliseconds(500));
        var level = await _client.GetLevelAsync(sku, cancellationToken: cts.Token);
        return level.OnHand;
    }

    public async Task<IReadOnlyList<InventoryLevel>> LevelsAsync(IEnumerable<string> skus) =>
        await Task.WhenAll(skus.Select(async sku =>
        {
            var perCall = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            return await _client.GetLevelAsync(sku, cancellationToken: perCall.Token);
        }));

    public async Task<int> OnHandWithRetryAsync(string sku)
    {
        for (var attempt = 0; ; attempt++)
        {
            var attemptTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300 * (attempt + 1)));
            try
            {
                var level = await _client.GetLevelAsync(sku, cancellationToken: attemptTimeout.Token);
                return level.OnHand;
            }
            catch (Grpc.Core.RpcException) when (attempt < 3)
            {
                _logger.LogInformation("retrying {Sku}", sku);
            }
        }
    }

    public async Task<int> OnHandFromRegionAsync(string region, string sku)
    {
        using var channel = GrpcChannel.ForAddress($"https://inventory-{region}.internal");
        var client = new InventoryClient(channel);
        var call = client.GetLevelAsync(sku);
        var level = await call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(1));
        return level.OnHand;
    }

    public async Task StreamTickerAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        while (socket.State == WebSocketState.Open)
        {
            var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(TimeSpan.FromSeconds(30));
            var message = await socket.ReceiveAsync(buffer, idle.Token);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            var level = await _client.GetLevelAsync(System.Text.Encoding.UTF8.GetString(buffer, 0, message.Count));
            await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(level.OnHand.ToString()), WebSocketMessageType.Text, true, cancellationToken);
        }
    }

    public int OnHandBlocking(string sku)
    {
        var timeout = new CancellationTokenSource();
        timeout.CancelAfter(2000);
        return _client.GetLevelAsync(sku, cancellationToken: timeout.Token).ResponseAsync.GetAwaiter().GetResult().OnHand;
    }

    public Task<InventoryLevel> LevelWithin(string sku, TimeSpan budget) =>
        _client.GetLevelAsync(sku, cancellationToken: new CancellationTokenSource(budget).Token).ResponseAsync;

    public async Task<Dictionary<string, int>> SnapshotAsync(string[] skus)
    {
        var calls = skus.Select(sku => _client.GetLevelAsync(sku).ResponseAsync).ToArray();
        var levels = await Task.WhenAll(calls);
        return levels.ToDictionary(l => l.Sku, l => l.OnHand);
    }
}
