using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace Corpus.Realtime;

/// <summary>Registered as a singleton: the notification push keeps a socket per user.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, WebSocket> _byUser = new();
    private readonly Dictionary<string, List<WebSocket>> _rooms = new();

    public async Task RunAsync(string userId, WebSocket socket, CancellationToken cancellationToken)
    {
        _byUser.AddOrUpdate(userId, socket, (_, _) => socket);
        var buffer = new byte[1024];
        while (!cancellationToken.IsCancellationRequested && socket.State == WebSocketState.Open)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
        }

        _byUser.TryRemove(userId, out _);
    }

    public void Join(string room, WebSocket socket)
    {
        lock (_rooms)
        {
            if (!_rooms.TryGetValue(room, out var members))
            {
                _rooms[room] = members = new List<WebSocket>();
            }

            members.Add(socket);
        }
    }

    public async Task<bool> PushAsync(string userId, string message)
    {
        if (!_byUser.TryGetValue(userId, out var socket))
        {
            return false;
        }

        var send = socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        return send.Wait(TimeSpan.FromSeconds(1));
    }
}
