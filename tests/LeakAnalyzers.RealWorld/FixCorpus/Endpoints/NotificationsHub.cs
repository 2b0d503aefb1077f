using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Corpus.Endpoints;

/// <summary>SignalR hub for order status; remembers which connection belongs to which request context.</summary>
public sealed class NotificationsHub : Hub
{
    private static readonly ConcurrentDictionary<HttpContext, string> ContextsByConnection = new();
    private readonly IOrderRepository _orders;

    public NotificationsHub(IOrderRepository orders) => _orders = orders;

    public override Task OnConnectedAsync()
    {
        var http = Context.GetHttpContext();
        if (http is not null)
        {
            ContextsByConnection[http] = Context.ConnectionId;
        }

        _ = Clients.Others.SendAsync("joined", Context.ConnectionId);
        return base.OnConnectedAsync();
    }

    public async Task Track(int orderId)
    {
        var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var order = await _orders.LoadAsync(orderId, deadline.Token);
        await Clients.Caller.SendAsync("status", order?.Status ?? "unknown", deadline.Token);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        var http = Context.GetHttpContext();
        if (http is not null)
        {
            ContextsByConnection.TryRemove(http, out _);
        }

        return base.OnDisconnectedAsync(exception);
    }
}
