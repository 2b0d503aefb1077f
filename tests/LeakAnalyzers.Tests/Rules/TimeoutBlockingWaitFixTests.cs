using LeakAnalyzers.CodeFixes.Cancellation;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// LEAK006's fix for synchronous waits: <c>Wait(t)</c>, <c>WaitAll(tasks, t)</c> and a discarded
/// <c>WaitAny(tasks, t)</c> wait on the source's token instead, whose cancellation is the old <c>false</c>.
/// </summary>
public sealed class TimeoutBlockingWaitFixTests
{
    [Fact]
    public Task Wait_with_a_timeout_tested_by_an_if_waits_on_the_token_instead() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                string Load(HttpClient client, CancellationToken token)
                {
                    var work = Task.Run(() => client.GetStringAsync("http://a/"));
                    if (![|work.Wait(1000)|])
                    {
                        return "fallback";
                    }

                    return work.Result;
                }
            }
            """, """
            class C
            {
                string Load(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(1000);
                    var work = Task.Run(() => client.GetStringAsync("http://a/", cts.Token), cts.Token);
                    try
                    {
                        work.Wait(cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        return "fallback";
                    }

                    return work.Result;
                }
            }
            """);

    [Fact]
    public Task Wait_on_an_inline_task_with_a_timeout_and_a_token_and_both_branches() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                void Ping(HttpClient client, CancellationToken token)
                {
                    if ([|Task.Run(() => client.GetStringAsync("http://health/")).Wait(500, token)|])
                    {
                        Console.WriteLine("up");
                    }
                    else
                    {
                        Console.WriteLine("slow");
                    }
                }
            }
            """, """
            class C
            {
                void Ping(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(500);
                    try
                    {
                        Task.Run(() => client.GetStringAsync("http://health/", cts.Token), cts.Token).Wait(cts.Token);
                        Console.WriteLine("up");
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        Console.WriteLine("slow");
                    }
                }
            }
            """);

    [Fact]
    public Task Wait_all_returned_or_stored_becomes_true_in_the_try_and_false_in_the_catch() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                bool Warm(HttpClient client)
                {
                    var a = client.GetStringAsync("http://a/");
                    var b = client.GetStringAsync("http://b/");
                    return [|Task.WaitAll(new Task[] { a, b }, TimeSpan.FromSeconds(2))|];
                }

                void Report(HttpClient client)
                {
                    var tasks = new[] { client.GetStringAsync("http://c/"), client.GetStringAsync("http://d/") };
                    var done = [|Task.WaitAll(tasks, 3000)|];
                    Console.WriteLine(done ? "warm" : "cold");
                }
            }
            """, """
            class C
            {
                bool Warm(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    var a = client.GetStringAsync("http://a/", cts.Token);
                    var b = client.GetStringAsync("http://b/", cts.Token);
                    try
                    {
                        Task.WaitAll(new Task[] { a, b }, cts.Token);
                        return true;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        return false;
                    }
                }

                void Report(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(3000);
                    var tasks = new[] { client.GetStringAsync("http://c/", cts.Token), client.GetStringAsync("http://d/", cts.Token) };
                    bool done;
                    try
                    {
                        Task.WaitAll(tasks, cts.Token);
                        done = true;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        done = false;
                    }

                    Console.WriteLine(done ? "warm" : "cold");
                }
            }
            """);

    [Fact]
    public Task Discarded_waits_go_on_after_the_timeout_as_before() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                void Prefetch(HttpClient client)
                {
                    var a = client.GetStringAsync("http://a/");
                    var b = client.GetStringAsync("http://b/");
                    [|Task.WaitAny(new Task[] { a, b }, 500)|];
                    Console.WriteLine("next");
                }

                void Touch(HttpClient client)
                {
                    [|client.GetStringAsync("http://c/").Wait(TimeSpan.FromSeconds(1))|];
                    Console.WriteLine("next");
                }
            }
            """, """
            class C
            {
                void Prefetch(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(500);
                    var a = client.GetStringAsync("http://a/", cts.Token);
                    var b = client.GetStringAsync("http://b/", cts.Token);
                    try
                    {
                        Task.WaitAny(new Task[] { a, b }, cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                    }

                    Console.WriteLine("next");
                }

                void Touch(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        client.GetStringAsync("http://c/", cts.Token).Wait(cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                    }

                    Console.WriteLine("next");
                }
            }
            """);

    [Fact]
    public Task Wait_any_against_a_delay_waits_for_the_work_on_the_token() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                void Prefetch(HttpClient client)
                {
                    var a = client.GetStringAsync("http://a/");
                    [|Task.WaitAny(new Task[] { a, Task.Delay(100) })|];
                    Console.WriteLine("next");
                }
            }
            """, """
            class C
            {
                void Prefetch(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(100);
                    var a = client.GetStringAsync("http://a/", cts.Token);
                    try
                    {
                        Task.WaitAny(new Task[] { a }, cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                    }

                    Console.WriteLine("next");
                }
            }
            """);

    [Fact]
    public Task Wait_and_wait_all_with_only_a_token_pass_it_to_the_work() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                string Load(HttpClient client, CancellationToken token)
                {
                    var a = client.GetStringAsync("http://a/");
                    var b = client.GetStringAsync("http://b/");
                    [|Task.WaitAll(new Task[] { a, b }, token)|];
                    var c = client.GetStringAsync("http://c/");
                    [|c.Wait(token)|];
                    return a.Result + b.Result + c.Result;
                }
            }
            """, """
            class C
            {
                string Load(HttpClient client, CancellationToken token)
                {
                    var a = client.GetStringAsync("http://a/", token);
                    var b = client.GetStringAsync("http://b/", token);
                    Task.WaitAll(new Task[] { a, b }, token);
                    var c = client.GetStringAsync("http://c/", token);
                    c.Wait(token);
                    return a.Result + b.Result + c.Result;
                }
            }
            """);

    [Fact]
    public Task No_fix_when_a_wait_that_goes_on_is_followed_by_a_read_of_the_work() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                string Load(HttpClient client)
                {
                    var work = client.GetStringAsync("http://a/");
                    if (![|work.Wait(1000)|])
                    {
                        Console.WriteLine("still waiting");
                    }

                    return work.Result;
                }
            }
            """, """
            class C
            {
                string Load(HttpClient client)
                {
                    var work = client.GetStringAsync("http://a/");
                    if (![|work.Wait(1000)|])
                    {
                        Console.WriteLine("still waiting");
                    }

                    return work.Result;
                }
            }
            """);

    [Fact]
    public Task No_fix_for_wait_any_whose_index_is_used() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                string Load(HttpClient client)
                {
                    var a = client.GetStringAsync("http://a/");
                    var b = client.GetStringAsync("http://b/");
                    var first = [|Task.WaitAny(new Task[] { a, b }, 1000)|];
                    return first switch { 0 => a.Result, 1 => b.Result, _ => "timeout" };
                }
            }
            """, """
            class C
            {
                string Load(HttpClient client)
                {
                    var a = client.GetStringAsync("http://a/");
                    var b = client.GetStringAsync("http://b/");
                    var first = [|Task.WaitAny(new Task[] { a, b }, 1000)|];
                    return first switch { 0 => a.Result, 1 => b.Result, _ => "timeout" };
                }
            }
            """);
}
