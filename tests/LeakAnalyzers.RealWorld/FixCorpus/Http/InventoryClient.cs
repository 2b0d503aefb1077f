using Grpc.Core;

namespace Corpus.Http;

/// <summary>The hand-written form of a generated gRPC stub: it never owns the channel it is given.</summary>
public sealed class InventoryClient : ClientBase<InventoryClient>
{
    private static readonly Method<string, InventoryLevel> GetLevel = new(
        MethodType.Unary,
        "inventory.Inventory",
        "GetLevel",
        Marshallers.Create(s => System.Text.Encoding.UTF8.GetBytes(s), b => System.Text.Encoding.UTF8.GetString(b)),
        Marshallers.Create(
            level => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(level),
            bytes => System.Text.Json.JsonSerializer.Deserialize<InventoryLevel>(bytes)!));

    public InventoryClient(ChannelBase channel) : base(channel)
    {
    }

    private InventoryClient(ClientBaseConfiguration configuration) : base(configuration)
    {
    }

    public AsyncUnaryCall<InventoryLevel> GetLevelAsync(string sku, Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        CallInvoker.AsyncUnaryCall(GetLevel, null, new CallOptions(headers, deadline, cancellationToken), sku);

    protected override InventoryClient NewInstance(ClientBaseConfiguration configuration) => new(configuration);
}
