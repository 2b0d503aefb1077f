using LeakAnalyzers.CodeFixes.Cancellation;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// LEAK006's fix where the rewrite would change what the code does (not offered), and where it
/// awaits the work once (the success statement alone in the <c>try</c>).
/// </summary>
public sealed class TimeoutFixMeaningTests
{
    [Fact]
    public Task No_fix_when_the_timeout_branch_reads_the_tasks_the_raced_work_came_from() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync(PartialResultsOnTimeout, PartialResultsOnTimeout);

    private const string PartialResultsOnTimeout = """
        class C
        {
            async Task<List<string>> Quotes(HttpClient client, List<string> urls)
            {
                var pending = urls.Select(u => client.GetStringAsync(u)).ToList();
                var all = Task.WhenAll(pending);
                if (await [|Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2)))|] != all)
                {
                    return pending.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToList();
                }

                return all.Result.ToList();
            }
        }
        """;

    [Fact]
    public Task A_timeout_branch_that_reads_no_task_is_still_fixed() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<List<string>> Quotes(HttpClient client, List<string> urls)
                {
                    var pending = urls.Select(u => client.GetStringAsync(u)).ToList();
                    var all = Task.WhenAll(pending);
                    if (await [|Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2)))|] != all)
                    {
                        return new List<string>(urls.Count);
                    }

                    return (await all).ToList();
                }
            }
            """, """
            class C
            {
                async Task<List<string>> Quotes(HttpClient client, List<string> urls)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    var pending = urls.Select(u => client.GetStringAsync(u, cts.Token)).ToList();
                    var all = Task.WhenAll(pending);
                    try
                    {
                        return (await all).ToList();
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        return new List<string>(urls.Count);
                    }
                }
            }
            """);

    [Fact]
    public Task No_fix_when_the_timeout_branch_of_a_wait_all_reads_its_tasks() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync(WaitAllPartialResults, WaitAllPartialResults);

    private const string WaitAllPartialResults = """
        class C
        {
            string[] Quotes(HttpClient client, string[] urls)
            {
                var tasks = urls.Select(u => client.GetStringAsync(u)).ToArray();
                if (![|Task.WaitAll(tasks, TimeSpan.FromSeconds(2))|])
                {
                    return tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToArray();
                }

                return tasks.Select(t => t.Result).ToArray();
            }
        }
        """;

    [Fact]
    public Task No_fix_when_the_timeout_catch_of_a_wait_async_reads_the_tasks() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync(WaitAsyncPartialResults, WaitAsyncPartialResults);

    private const string WaitAsyncPartialResults = """
        class C
        {
            async Task<string[]> Quotes(HttpClient client, string[] urls)
            {
                var pending = urls.Select(u => client.GetStringAsync(u)).ToArray();
                try
                {
                    return await [|Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(2))|];
                }
                catch (TimeoutException)
                {
                    return pending.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToArray();
                }
            }
        }
        """;

    [Fact]
    public Task No_fix_for_a_web_socket_send_bounded_by_a_timeout() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync(WebSocketSend, WebSocketSend);

    private const string WebSocketSend = """
        using System.Net.WebSockets;

        class C
        {
            bool Push(WebSocket socket, byte[] payload)
            {
                var send = socket.SendAsync(new ArraySegment<byte>(payload), WebSocketMessageType.Text, true, CancellationToken.None);
                return [|send.Wait(TimeSpan.FromSeconds(1))|];
            }
        }
        """;

    [Fact]
    public Task No_fix_for_a_web_socket_receive_raced_with_a_delay() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync(WebSocketReceive, WebSocketReceive);

    private const string WebSocketReceive = """
        using System.Net.WebSockets;

        class C
        {
            async Task<int> Next(WebSocket socket, byte[] buffer)
            {
                var receive = socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);
                if (await [|Task.WhenAny(receive, Task.Delay(5000))|] != receive)
                {
                    return -1;
                }

                return (await receive).Count;
            }
        }
        """;

    [Fact]
    public Task The_success_branch_awaits_the_work_once_when_only_reads_come_before_the_await() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task Check(HttpClient client)
                {
                    var health = client.GetStringAsync("http://search/");
                    var finished = await [|Task.WhenAny(health, Task.Delay(3000))|];
                    if (finished == health)
                    {
                        Console.WriteLine("search: {0}", await health);
                    }
                    else
                    {
                        Console.WriteLine("timed out");
                    }
                }

                async Task CheckDescribed(HttpClient client)
                {
                    var health = client.GetStringAsync("http://search/");
                    var finished = await [|Task.WhenAny(health, Task.Delay(3000))|];
                    if (finished == health)
                    {
                        Console.WriteLine(Describe(), await health);
                    }
                }

                static string Describe() => "search: {0}";
            }
            """, """
            class C
            {
                async Task Check(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(3000);
                    var health = client.GetStringAsync("http://search/", cts.Token);
                    try
                    {
                        Console.WriteLine("search: {0}", await health);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        Console.WriteLine("timed out");
                    }
                }

                async Task CheckDescribed(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(3000);
                    var health = client.GetStringAsync("http://search/", cts.Token);
                    try
                    {
                        await health;
                        Console.WriteLine(Describe(), await health);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                    }
                }

                static string Describe() => "search: {0}";
            }
            """);

    [Fact]
    public Task The_success_arm_of_a_conditional_awaits_the_work_once() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Rate(HttpClient client)
                {
                    var rate = client.GetStringAsync("http://fx/");
                    return await [|Task.WhenAny(rate, Task.Delay(1500))|] == rate ? string.Concat("rate: ", await rate) : "504";
                }
            }
            """, """
            class C
            {
                async Task<string> Rate(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(1500);
                    var rate = client.GetStringAsync("http://fx/", cts.Token);
                    try
                    {
                        return string.Concat("rate: ", await rate);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        return "504";
                    }
                }
            }
            """);
}
