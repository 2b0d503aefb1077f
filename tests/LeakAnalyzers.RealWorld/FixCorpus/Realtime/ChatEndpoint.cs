using System.Net.WebSockets;
using System.Text;

namespace Corpus.Realtime;

/// <summary>The chat websocket: every message is broadcast to every connected client.</summary>
public static class ChatEndpoint
{
    private static readonly List<WebSocket> Clients = new();

    public static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        lock (Clients)
        {
            Clients.Add(socket);
        }

        var buffer = new byte[4096];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                break;
            }

            await BroadcastAsync(new ArraySegment<byte>(buffer, 0, result.Count));
        }

        lock (Clients)
        {
            Clients.Remove(socket);
        }
    }

    private static async Task BroadcastAsync(ArraySegment<byte> message)
    {
        WebSocket[] targets;
        lock (Clients)
        {
            targets = Clients.ToArray();
        }

        await Task.WhenAll(targets.Select(s => s.SendAsync(message, WebSocketMessageType.Text, true, default)));
    }

    public static int Count
    {
        get
        {
            lock (Clients)
            {
                return Clients.Count;
            }
        }
    }

    public static Task AnnounceAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WebSocket[] targets;
        lock (Clients)
        {
            targets = Clients.ToArray();
        }

        var sends = targets.Select(s => s.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None)).ToArray();
        return Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
