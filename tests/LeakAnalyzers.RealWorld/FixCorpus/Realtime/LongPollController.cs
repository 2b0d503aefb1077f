using Microsoft.AspNetCore.Mvc;

namespace Corpus.Realtime;

/// <summary>Long polling for clients behind proxies that drop websockets.</summary>
[ApiController]
[Route("poll")]
public sealed class LongPollController : ControllerBase
{
    private static readonly List<HttpContext> Waiting = new List<HttpContext>();
    private static readonly IDictionary<HttpContext, TaskCompletionSource<string>> Pending = new Dictionary<HttpContext, TaskCompletionSource<string>>();

    [HttpGet]
    public async Task<IActionResult> Poll()
    {
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Pending)
        {
            Waiting.Add(HttpContext);
            Pending.Add(HttpContext, ready);
        }

        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        timeout.Token.Register(() => ready.TrySetResult(string.Empty));
        var message = await ready.Task;
        lock (Pending)
        {
            Pending.Remove(HttpContext);
        }

        return message.Length == 0 ? NoContent() : Ok(message);
    }

    public static void Publish(string message)
    {
        lock (Pending)
        {
            foreach (var waiter in Pending.Values)
            {
                waiter.TrySetResult(message);
            }

            Pending.Clear();
            Waiting.Clear();
        }
    }
}
