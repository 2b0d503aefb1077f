using LeakAnalyzers.Tests.Verification;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.TimeoutAbandonsWorkAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.TimeoutAbandonsWorkAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.CancelAbandonedWorkCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class TimeoutAbandonsWorkAnalyzerTests
{
    // ---- Positives ----------------------------------------------------------------------

    [Fact]
    public Task When_any_against_a_delay_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var work = client.GetStringAsync("http://a/");
                if (await [|Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(2)))|] != work)
                {
                    throw new TimeoutException();
                }

                return await work;
            }
        }
        """);

    [Fact]
    public Task When_any_over_an_array_with_a_named_delay_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                var delay = Task.Delay(2000);
                var other = client.GetStringAsync("http://b/");
                await [|Task.WhenAny(new[] { other, delay })|];
            }
        }
        """);

    [Fact]
    public Task Wait_any_against_a_delay_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                [|Task.WaitAny(new Task[] { a, Task.Delay(100) })|];
            }
        }
        """);

    [Fact]
    public Task Wait_any_with_a_timeout_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                var b = Task.Run(() => client.GetStringAsync("http://b/"));
                [|Task.WaitAny(new Task[] { a, b }, 100)|];
            }
        }
        """);

    [Fact]
    public Task Wait_async_with_a_timeout_or_a_token_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, CancellationToken token)
            {
                var a = client.GetStringAsync("http://a/");
                await [|a.WaitAsync(TimeSpan.FromSeconds(1))|];
                await [|client.GetStringAsync("http://c/").WaitAsync(token)|];
            }
        }
        """);

    [Fact]
    public Task Wait_with_a_timeout_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            bool M(HttpClient client)
            {
                var b = Task.Run(() => client.GetStringAsync("http://b/"));
                return [|b.Wait(1000)|];
            }
        }
        """);

    [Fact]
    public Task Wait_all_with_a_timeout_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                var b = Task.Run(() => client.GetStringAsync("http://b/"));
                [|Task.WaitAll(new Task[] { a, b }, TimeSpan.FromSeconds(1))|];
            }
        }
        """);

    [Fact]
    public Task When_all_wait_async_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                var b = Task.Run(() => client.GetStringAsync("http://b/"));
                await [|Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(1))|];
            }
        }
        """);

    [Fact]
    public Task Select_fan_out_with_timeout_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string[]> M(HttpClient client, string[] urls)
            {
                var tasks = urls.Select(async url => await client.GetStringAsync(url)).ToList();
                return await [|Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(3))|];
            }
        }
        """);

    // ---- Never flag ---------------------------------------------------------------------

    [Fact]
    public Task Work_with_a_token_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, CancellationToken token)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                cts.CancelAfter(1000);
                var work = client.GetStringAsync("http://a/", cts.Token);
                await Task.WhenAny(work, Task.Delay(1000, cts.Token));
                await client.GetStringAsync("http://b/", cts.Token).WaitAsync(TimeSpan.FromSeconds(1));
                Task.Run(() => client.GetStringAsync("http://c/", token)).Wait(1000);
            }
        }
        """);

    [Fact]
    public Task Races_without_a_delay_and_plain_waits_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                var b = client.GetStringAsync("http://b/");
                await Task.WhenAny(a, b);
                Task.WaitAny(a, b);
                a.Wait();
                await Task.WhenAny(Task.Delay(10), Task.Delay(20));
            }
        }
        """);

    [Fact]
    public Task User_written_with_timeout_helpers_are_not_analysed() => VerifyAnalyzer.DiagnosticsAsync("""
        static class TaskExtensions
        {
            public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan timeout)
            {
                if (await Task.WhenAny(task, Task.Delay(timeout)) != task)
                {
                    throw new TimeoutException();
                }

                return await task;
            }
        }

        class C
        {
            Task<string> M(HttpClient client) => client.GetStringAsync("http://a/").WithTimeout(TimeSpan.FromSeconds(1));
        }
        """);

    [Fact]
    public Task Work_that_cannot_take_a_token_or_comes_from_elsewhere_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            Task LoadAsync() => Task.CompletedTask;

            async Task M(Task external)
            {
                await Task.WhenAny(LoadAsync(), Task.Delay(100));
                await external.WaitAsync(TimeSpan.FromSeconds(1));
                external.Wait(100);
            }
        }
        """);

    [Theory]
    [InlineData("await Task.WhenAny(")]
    [InlineData("await Task.WhenAny(Missing(), Task.Delay(1));")]
    [InlineData("await Missing().WaitAsync(TimeSpan.FromSeconds(1));")]
    [InlineData("Task.WaitAny(new Task[] { Task.Delay(1), }, );")]
    [InlineData("await Task.Delay(1).WaitAsync(;")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.TimeoutAbandonsWorkAnalyzer>("class C { async Task M(CancellationToken token) { " + body + " } }");
    }
}

public sealed class TimeoutAbandonsWorkCodeFixTests
{
    [Fact]
    public Task Fix_turns_the_when_any_race_into_a_cancelled_await() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client, CancellationToken token)
            {
                var work = client.GetStringAsync("http://a/");
                if (await [|Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(2)))|] != work)
                {
                    throw new TimeoutException("downstream a");
                }

                return await work;
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client, CancellationToken token)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                var work = client.GetStringAsync("http://a/", cts.Token);
                try
                {
                    return await work;
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    throw new TimeoutException("downstream a");
                }
            }
        }
        """);

    [Fact]
    public Task Fix_turns_wait_async_into_a_cancelled_await() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                var b = client.GetStringAsync("http://b/");
                await [|Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(3))|];
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds(3));
                var a = client.GetStringAsync("http://a/", cts.Token);
                var b = client.GetStringAsync("http://b/", cts.Token);
                try
                {
                    await Task.WhenAll(a, b);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }
            }
        }
        """);

    [Fact]
    public Task Fix_in_a_controller_with_a_select_fan_out_and_wait_async() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Mvc;

        public class SearchController : ControllerBase
        {
            private readonly HttpClient _client = new();

            [HttpGet]
            public async Task<IActionResult> Get(string[] urls)
            {
                var pages = urls.Select(async url => await _client.GetStringAsync(url)).ToArray();
                await [|Task.WhenAll(pages).WaitAsync(TimeSpan.FromSeconds(2))|];
                return Ok(pages.Select(p => p.Result));
            }
        }
        """, """
        using Microsoft.AspNetCore.Mvc;

        public class SearchController : ControllerBase
        {
            private readonly HttpClient _client = new();

            [HttpGet]
            public async Task<IActionResult> Get(string[] urls)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                var pages = urls.Select(async url => await _client.GetStringAsync(url, cts.Token)).ToArray();
                try
                {
                    await Task.WhenAll(pages);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested && !HttpContext.RequestAborted.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }

                return Ok(pages.Select(p => p.Result));
            }
        }
        """);

    [Fact]
    public Task Fix_in_a_minimal_api_lambda_with_a_direct_call_and_a_single_throw_statement() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Builder;

        static class Endpoints
        {
            public static void Map(WebApplication app, HttpClient client) =>
                app.MapGet("/quote", async (CancellationToken cancellationToken) =>
                {
                    var quote = Task.Run(() => client.GetStringAsync("http://quotes/"));
                    if (await [|Task.WhenAny(quote, Task.Delay(500))|] != quote)
                        throw new TimeoutException("quotes");
                    return await quote;
                });
        }
        """, """
        using Microsoft.AspNetCore.Builder;

        static class Endpoints
        {
            public static void Map(WebApplication app, HttpClient client) =>
                app.MapGet("/quote", async (CancellationToken cancellationToken) =>
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    cts.CancelAfter(500);
                    var quote = Task.Run(() => client.GetStringAsync("http://quotes/", cts.Token), cts.Token);
                    try
                    {
                        return await quote;
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException("quotes");
                    }
                });
        }
        """);

    [Fact]
    public Task Fix_turns_a_stored_race_result_with_a_returning_branch_into_a_cancelled_await() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        static class Handlers
        {
            public static async Task<IResult> Get(HttpContext context, HttpClient client)
            {
                var work = client.GetStringAsync("/slow");
                var finished = await [|Task.WhenAny(work, Task.Delay(TimeSpan.FromMilliseconds(300)))|];
                if (finished != work)
                {
                    Console.WriteLine("timed out");
                    return Results.StatusCode(StatusCodes.Status500InternalServerError);
                }

                return Results.Ok(new { length = (await work).Length });
            }
        }
        """, """
        using Microsoft.AspNetCore.Http;

        static class Handlers
        {
            public static async Task<IResult> Get(HttpContext context, HttpClient client)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                cts.CancelAfter(TimeSpan.FromMilliseconds(300));
                var work = client.GetStringAsync("/slow", cts.Token);
                try
                {
                    await work;
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    Console.WriteLine("timed out");
                    return Results.StatusCode(StatusCodes.Status500InternalServerError);
                }

                return Results.Ok(new { length = (await work).Length });
            }
        }
        """);

    [Fact]
    public Task No_fix_when_the_stored_race_result_is_read_again() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var b = client.GetStringAsync("http://b/");
                var finished = await [|Task.WhenAny(b, Task.Delay(100))|];
                if (finished != b)
                {
                    return "timeout";
                }

                Console.WriteLine(finished.Id);
                return await b;
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var b = client.GetStringAsync("http://b/");
                var finished = await [|Task.WhenAny(b, Task.Delay(100))|];
                if (finished != b)
                {
                    return "timeout";
                }

                Console.WriteLine(finished.Id);
                return await b;
            }
        }
        """);

    [Fact]
    public Task Fix_in_a_local_function_of_a_background_service() => VerifyFix.CodeFixAsync("""
        using Microsoft.Extensions.Hosting;

        sealed class Heartbeat : BackgroundService
        {
            private readonly HttpClient _client = new();

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await BeatAsync();
                    await Task.Delay(5000, stoppingToken);
                }

                async Task BeatAsync()
                {
                    await [|_client.GetStringAsync("http://health/").WaitAsync(TimeSpan.FromSeconds(1))|];
                }
            }
        }
        """, """
        using Microsoft.Extensions.Hosting;

        sealed class Heartbeat : BackgroundService
        {
            private readonly HttpClient _client = new();

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await BeatAsync();
                    await Task.Delay(5000, stoppingToken);
                }

                async Task BeatAsync()
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await _client.GetStringAsync("http://health/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Fix_all_gives_each_race_its_own_source() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                await [|client.GetStringAsync("http://a/").WaitAsync(TimeSpan.FromSeconds(1))|];
                await [|client.GetStringAsync("http://b/").WaitAsync(TimeSpan.FromSeconds(2))|];
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    await client.GetStringAsync("http://a/", cts.Token);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }

                using var cts2 = new CancellationTokenSource();
                cts2.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    await client.GetStringAsync("http://b/", cts2.Token);
                }
                catch (OperationCanceledException) when (cts2.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }
            }
        }
        """);

    [Fact]
    public Task The_timeout_starts_at_the_race_when_the_code_waits_before_it_or_the_timeout_is_known_later() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> Waits(HttpClient client, TimeSpan limit)
            {
                var a = client.GetStringAsync("http://a/");
                await Task.Delay(100);
                var text = await [|a.WaitAsync(limit)|];
                return text;
            }

            async Task<string> Later(HttpClient client)
            {
                var b = client.GetStringAsync("http://b/");
                var seconds = 3;
                if (await [|Task.WhenAny(b, Task.Delay(TimeSpan.FromSeconds(seconds)))|] != b)
                {
                    throw new TimeoutException();
                }

                return await b;
            }
        }
        """, """
        class C
        {
            async Task<string> Waits(HttpClient client, TimeSpan limit)
            {
                using var cts = new CancellationTokenSource();
                var a = client.GetStringAsync("http://a/", cts.Token);
                await Task.Delay(100);
                cts.CancelAfter(limit);
                string text;
                try
                {
                    text = await a;
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }

                return text;
            }

            async Task<string> Later(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                var b = client.GetStringAsync("http://b/", cts.Token);
                var seconds = 3;
                cts.CancelAfter(TimeSpan.FromSeconds(seconds));
                try
                {
                    return await b;
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }
            }
        }
        """);

    [Fact]
    public Task No_fix_when_a_discarded_wait_any_is_followed_by_a_read_of_the_work() => VerifyFix.CodeFixAsync("""
        class C
        {
            string M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                [|Task.WaitAny(new Task[] { a, Task.Delay(100) })|];
                return a.IsCompleted ? a.Result : "pending";
            }
        }
        """, """
        class C
        {
            string M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                [|Task.WaitAny(new Task[] { a, Task.Delay(100) })|];
                return a.IsCompleted ? a.Result : "pending";
            }
        }
        """);

    [Fact]
    public Task No_fix_when_the_wait_repeats_in_a_loop_that_does_not_restart_the_work() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var work = client.GetStringAsync("http://a/");
                while (true)
                {
                    try
                    {
                        return await [|work.WaitAsync(TimeSpan.FromSeconds(1))|];
                    }
                    catch (TimeoutException)
                    {
                        Console.WriteLine("still waiting");
                    }
                }
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var work = client.GetStringAsync("http://a/");
                while (true)
                {
                    try
                    {
                        return await [|work.WaitAsync(TimeSpan.FromSeconds(1))|];
                    }
                    catch (TimeoutException)
                    {
                        Console.WriteLine("still waiting");
                    }
                }
            }
        }
        """);

    [Fact]
    public Task No_fix_when_the_timeout_arm_of_a_conditional_reads_the_work() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var work = client.GetStringAsync("http://a/");
                return await [|Task.WhenAny(work, Task.Delay(100))|] == work ? await work : work.Status.ToString();
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var work = client.GetStringAsync("http://a/");
                return await [|Task.WhenAny(work, Task.Delay(100))|] == work ? await work : work.Status.ToString();
            }
        }
        """);

    [Fact]
    public Task A_wait_async_awaited_first_in_a_statement_that_awaits_more_goes_into_a_local() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client, Func<Task<string>> next)
            {
                var work = client.GetStringAsync("http://a/");
                return await [|work.WaitAsync(TimeSpan.FromSeconds(1))|] + await next();
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client, Func<Task<string>> next)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds(1));
                var work = client.GetStringAsync("http://a/", cts.Token);
                string result;
                try
                {
                    result = await work;
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }

                return result + await next();
            }
        }
        """);

    [Fact]
    public Task No_fix_when_the_statement_of_a_wait_async_awaits_something_else_first() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client, Func<Task<string>> next)
            {
                var work = client.GetStringAsync("http://a/");
                return await next() + await [|work.WaitAsync(TimeSpan.FromSeconds(1))|];
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client, Func<Task<string>> next)
            {
                var work = client.GetStringAsync("http://a/");
                return await next() + await [|work.WaitAsync(TimeSpan.FromSeconds(1))|];
            }
        }
        """);

    [Fact]
    public Task Fix_works_next_to_broken_code()
    {
        return VerifyFix.CodeFixAsync("""
            class C
            {
                async Task M(HttpClient client, CancellationToken token)
                {
                    var x = {|CS0103:Missing|}();
                    await [|client.GetStringAsync("http://a/").WaitAsync(TimeSpan.FromSeconds(1))|];
                }
            }
            """, """
            class C
            {
                async Task M(HttpClient client, CancellationToken token)
                {
                    var x = {|CS0103:Missing|}();
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await client.GetStringAsync("http://a/", cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }
            }
            """);
    }
}
