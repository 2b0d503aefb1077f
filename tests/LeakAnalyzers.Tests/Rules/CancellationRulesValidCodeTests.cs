using LeakAnalyzers.Tests.Verification;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>Correct cancellation code that none of LEAK004/005/006 may report.</summary>
public sealed class CancellationRulesValidCodeTests
{
    /// <summary>Every LEAK rule runs, so this correct code must be quiet under all of them.</summary>
    private static Task QuietAsync(string source) =>
        Verify<LeakAnalyzers.Rules.FireAndForgetAnalyzer>.DiagnosticsAsync(source, test => test.EveryRule = true);

    [Fact]
    public Task Background_service_loop_with_a_token_everywhere() => QuietAsync("""
        using System.Threading.Channels;
        using Microsoft.Extensions.Hosting;

        sealed class Poller : BackgroundService
        {
            private readonly HttpClient _client = new();
            private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
            private readonly string[] _urls = { "http://a/", "http://b/" };

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await Task.WhenAll(_urls.Select(url => _client.GetStringAsync(url, stoppingToken)));
                    await Parallel.ForEachAsync(_urls, stoppingToken, async (url, token) => await _client.GetStringAsync(url, token));
                    await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken))
                    {
                        _ = _queue.Writer.WriteAsync(item, stoppingToken);
                    }

                    await Task.Delay(1000, stoppingToken);
                }
            }
        }
        """);

    [Fact]
    public Task Gateway_fan_out_with_a_linked_timeout() => QuietAsync("""
        using Microsoft.AspNetCore.Mvc;

        public class GatewayController : ControllerBase
        {
            private readonly HttpClient _client = new();

            [HttpGet]
            public async Task<IActionResult> Get(string user, CancellationToken cancellationToken)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                var profile = _client.GetStringAsync("http://profile/" + user, cts.Token);
                var feed = _client.GetStringAsync("http://feed/" + user, cts.Token);
                await Task.WhenAll(profile, feed);

                var ads = _client.GetStringAsync("http://ads/" + user, cts.Token);
                if (await Task.WhenAny(ads, Task.Delay(300, cts.Token)) != ads)
                {
                    return Ok(new { profile = profile.Result, feed = feed.Result });
                }

                await _client.GetStringAsync("http://audit/", cts.Token).WaitAsync(TimeSpan.FromSeconds(1), cts.Token);
                return Ok(new { profile = profile.Result, feed = feed.Result, ads = await ads });
            }
        }
        """);

    [Fact]
    public Task Work_handed_to_a_tracker_and_awaited_later() => QuietAsync("""
        class Tracker
        {
            private readonly List<Task> _running = new();
            private Task? _flush;

            public void Start(HttpClient client)
            {
                _running.Add(client.GetStringAsync("http://a/"));
                _flush = Task.Run(() => client.GetStringAsync("http://b/"));
            }

            public Task StopAsync() => Task.WhenAll(_running.Append(_flush ?? Task.CompletedTask));
        }
        """);
}
