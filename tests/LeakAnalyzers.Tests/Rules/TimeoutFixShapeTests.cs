using LeakAnalyzers.CodeFixes.Cancellation;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>LEAK006's fix for the WaitAsync shapes: each keeps what the code did on timeout.</summary>
public sealed class TimeoutFixShapeTests
{
    [Fact]
    public Task Wait_async_returned_or_assigned_keeps_throwing_timeout_exception() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Load(HttpClient client)
                {
                    return await [|client.GetStringAsync("http://a/").WaitAsync(TimeSpan.FromSeconds(2))|];
                }

                async Task<int> Count(HttpClient client, CancellationToken token)
                {
                    var page = await [|client.GetStringAsync("http://b/").WaitAsync(TimeSpan.FromSeconds(2), token)|];
                    return page.Length;
                }
            }
            """, """
            class C
            {
                async Task<string> Load(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    try
                    {
                        return await client.GetStringAsync("http://a/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }

                async Task<int> Count(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    string page;
                    try
                    {
                        page = await client.GetStringAsync("http://b/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }

                    return page.Length;
                }
            }
            """);

    [Fact]
    public Task A_catch_of_timeout_exception_catches_the_timeout_cancellation_instead() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Load(HttpClient client, string[] urls)
                {
                    try
                    {
                        var pages = await [|Task.WhenAll(urls.Select(u => client.GetStringAsync(u))).WaitAsync(TimeSpan.FromSeconds(3))|];
                        return string.Concat(pages);
                    }
                    catch (TimeoutException)
                    {
                        return "timed out";
                    }
                }
            }
            """, """
            class C
            {
                async Task<string> Load(HttpClient client, string[] urls)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(3));
                    try
                    {
                        var pages = await Task.WhenAll(urls.Select(u => client.GetStringAsync(u, cts.Token)));
                        return string.Concat(pages);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        return "timed out";
                    }
                }
            }
            """);

    [Fact]
    public Task Wait_async_inside_a_larger_expression_or_configured_puts_the_whole_statement_in_the_try() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<int> Load(HttpClient client)
                {
                    return (await [|client.GetStringAsync("http://a/").WaitAsync(TimeSpan.FromSeconds(2))|]).Length;
                }

                async Task Touch(HttpClient client)
                {
                    await [|client.GetStringAsync("http://b/").WaitAsync(TimeSpan.FromSeconds(1))|].ConfigureAwait(false);
                }
            }
            """, """
            class C
            {
                async Task<int> Load(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    try
                    {
                        return (await client.GetStringAsync("http://a/", cts.Token)).Length;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }

                async Task Touch(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await client.GetStringAsync("http://b/", cts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }
            }
            """);

    [Fact]
    public Task When_any_decided_by_a_conditional_expression() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Assigned(HttpClient client, CancellationToken token)
                {
                    var work = client.GetStringAsync("http://a/");
                    var page = await [|Task.WhenAny(work, Task.Delay(500))|] == work ? await work : "fallback";
                    return page.Trim();
                }

                async Task<int> Returned(HttpClient client)
                {
                    var work = client.GetStringAsync("http://b/");
                    return await [|Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(1)))|] != work ? throw new TimeoutException("b") : work.Result.Length;
                }
            }
            """, """
            class C
            {
                async Task<string> Assigned(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(500);
                    var work = client.GetStringAsync("http://a/", cts.Token);
                    string page;
                    try
                    {
                        page = await work;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        page = "fallback";
                    }

                    return page.Trim();
                }

                async Task<int> Returned(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    var work = client.GetStringAsync("http://b/", cts.Token);
                    try
                    {
                        return (await work).Length;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        throw new TimeoutException("b");
                    }
                }
            }
            """);

    [Fact]
    public Task When_any_decided_by_a_switch() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Inline(HttpClient client, CancellationToken token)
                {
                    var work = client.GetStringAsync("http://a/");
                    switch (await [|Task.WhenAny(work, Task.Delay(500))|])
                    {
                        case var winner when winner == work:
                            return await work;
                        default:
                            return "timeout";
                    }
                }

                async Task Stored(HttpClient client)
                {
                    var work = client.GetStringAsync("http://b/");
                    var finished = await [|Task.WhenAny(work, Task.Delay(500))|];
                    switch (finished)
                    {
                        case Task t when t != work:
                            Console.WriteLine("slow");
                            break;
                        default:
                            Console.WriteLine(work.Result);
                            break;
                    }

                    Console.WriteLine("done");
                }
            }
            """, """
            class C
            {
                async Task<string> Inline(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(500);
                    var work = client.GetStringAsync("http://a/", cts.Token);
                    try
                    {
                        return await work;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        return "timeout";
                    }
                }

                async Task Stored(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(500);
                    var work = client.GetStringAsync("http://b/", cts.Token);
                    try
                    {
                        await work;
                        Console.WriteLine(work.Result);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        Console.WriteLine("slow");
                    }

                    Console.WriteLine("done");
                }
            }
            """);

    [Fact]
    public Task When_any_compared_with_a_named_delay_loses_the_delay() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Load(HttpClient client, TimeSpan timeout)
                {
                    var delay = Task.Delay(timeout);
                    var work = client.GetStringAsync("http://a/");
                    if (await [|Task.WhenAny(work, delay)|] == delay)
                    {
                        return "timeout";
                    }

                    return await work;
                }
            }
            """, """
            class C
            {
                async Task<string> Load(HttpClient client, TimeSpan timeout)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(timeout);
                    var work = client.GetStringAsync("http://a/", cts.Token);
                    try
                    {
                        return await work;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        return "timeout";
                    }
                }
            }
            """);

    [Fact]
    public Task A_discarded_when_any_over_an_array_goes_on_after_the_timeout() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task Warm(HttpClient client)
                {
                    var delay = Task.Delay(2000);
                    var other = client.GetStringAsync("http://b/");
                    await [|Task.WhenAny(new[] { other, delay })|];
                    Console.WriteLine("warmed");
                }
            }
            """, """
            class C
            {
                async Task Warm(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(2000);
                    var other = client.GetStringAsync("http://b/", cts.Token);
                    try
                    {
                        await other;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                    }

                    Console.WriteLine("warmed");
                }
            }
            """);

    [Fact]
    public Task Wait_async_with_only_a_token_passes_that_token_to_the_work() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<int> Load(HttpClient client, CancellationToken token)
                {
                    var page = client.GetStringAsync("http://a/");
                    return (await [|page.WaitAsync(token)|]).Length;
                }
            }
            """, """
            class C
            {
                async Task<int> Load(HttpClient client, CancellationToken token)
                {
                    var page = client.GetStringAsync("http://a/", token);
                    return (await page).Length;
                }
            }
            """);

    [Fact]
    public Task When_any_races_with_else_branches_equality_and_log_and_go_on() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> WithElse(HttpClient client, CancellationToken token)
                {
                    var work = client.GetStringAsync("http://a/");
                    if (await [|Task.WhenAny(work, Task.Delay(1000))|] != work)
                    {
                        Console.WriteLine("timed out");
                    }
                    else
                    {
                        Console.WriteLine(work.Result.Length);
                    }

                    return "done";
                }

                async Task<string> Equality(HttpClient client, CancellationToken token)
                {
                    var work = client.GetStringAsync("http://b/");
                    if (await [|Task.WhenAny(work, Task.Delay(1000))|] == work)
                    {
                        return work.Result;
                    }

                    return "fallback";
                }

                async Task LogAndGoOn(HttpClient client, CancellationToken token)
                {
                    var work = client.GetStringAsync("http://c/");
                    var finished = await [|Task.WhenAny(work, Task.Delay(1000))|];
                    if (finished != work)
                    {
                        Console.WriteLine("slow downstream");
                    }

                    Console.WriteLine("next");
                }
            }
            """, """
            class C
            {
                async Task<string> WithElse(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(1000);
                    var work = client.GetStringAsync("http://a/", cts.Token);
                    try
                    {
                        await work;
                        Console.WriteLine(work.Result.Length);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        Console.WriteLine("timed out");
                    }

                    return "done";
                }

                async Task<string> Equality(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(1000);
                    var work = client.GetStringAsync("http://b/", cts.Token);
                    try
                    {
                        await work;
                        return work.Result;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                    }

                    return "fallback";
                }

                async Task LogAndGoOn(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(1000);
                    var work = client.GetStringAsync("http://c/", cts.Token);
                    try
                    {
                        await work;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        Console.WriteLine("slow downstream");
                    }

                    Console.WriteLine("next");
                }
            }
            """);

    [Fact]
    public Task A_split_declaration_keeps_its_comment_and_the_blank_line_stays_above_the_source() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<int> Count(HttpClient client, CancellationToken token)
                {
                    var extra = 1;

                    // load it
                    var page = await [|client.GetStringAsync("http://b/").WaitAsync(TimeSpan.FromSeconds(2), token)|];
                    return page.Length + extra;
                }
            }
            """, """
            class C
            {
                async Task<int> Count(HttpClient client, CancellationToken token)
                {
                    var extra = 1;

                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    // load it
                    string page;
                    try
                    {
                        page = await client.GetStringAsync("http://b/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }

                    return page.Length + extra;
                }
            }
            """);

    [Fact]
    public Task An_expression_body_becomes_a_block_first() =>
        Verify<TimeoutAbandonsWorkAnalyzer, CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task<string> Load(HttpClient client, CancellationToken token) =>
                    await [|client.GetStringAsync("http://a/").WaitAsync(TimeSpan.FromSeconds(2), token)|];

                Func<Task> Touch(HttpClient client) => async () => await [|client.GetStringAsync("http://b/").WaitAsync(TimeSpan.FromSeconds(1))|];
            }
            """, """
            class C
            {
                async Task<string> Load(HttpClient client, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                    try
                    {
                        return await client.GetStringAsync("http://a/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }

                Func<Task> Touch(HttpClient client) => async () =>
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await client.GetStringAsync("http://b/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                };
            }
            """);
}
