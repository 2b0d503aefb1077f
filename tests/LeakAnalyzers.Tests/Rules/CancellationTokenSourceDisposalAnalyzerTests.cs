using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.CancellationTokenSourceDisposalAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.CancellationTokenSourceDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class CancellationTokenSourceDisposalAnalyzerTests
{
    // ---- Positives ----------------------------------------------------------------------

    [Fact]
    public Task Linked_source_in_a_local_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.Extensions.Hosting;

        class C
        {
            async Task M(IHostApplicationLifetime lifetime, CancellationToken requestAborted)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, requestAborted)|];
                await Task.Delay(10, cts.Token);
            }
        }
        """);

    [Fact]
    public Task New_sources_with_and_without_timeout_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M()
            {
                var timeout = [|new CancellationTokenSource(TimeSpan.FromSeconds(5))|];
                CancellationTokenSource manual = [|new()|];
                manual.CancelAfter(1000);
                await Task.Delay(10, timeout.Token);
                await Task.Delay(10, manual.Token);
            }
        }
        """);

    [Fact]
    public Task Chained_and_discarded_sources_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(CancellationToken a, CancellationToken b)
            {
                [|CancellationTokenSource.CreateLinkedTokenSource(a, b)|].Cancel();
                _ = [|new CancellationTokenSource()|];
            }
        }
        """);

    [Fact]
    public Task Source_created_inline_in_a_returned_task_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            Task M(CancellationToken a, CancellationToken b)
            {
                return Task.Delay(10, [|CancellationTokenSource.CreateLinkedTokenSource(a, b)|].Token);
            }
        }
        """);

    [Fact]
    public Task Disposed_on_one_branch_only_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            bool M(CancellationToken token, bool flag)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                if (flag)
                {
                    cts.Dispose();
                    return true;
                }

                return cts.IsCancellationRequested;
            }
        }
        """);

    [Fact]
    public Task Source_in_a_lambda_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(CancellationToken token, List<Func<Task>> work)
            {
                work.Add(async () =>
                {
                    var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                    cts.CancelAfter(100);
                    await Task.Delay(10, cts.Token);
                });
            }
        }
        """);

    // ---- Near misses ------------------------------------------------------------------------

    [Fact]
    public Task Using_and_disposal_on_every_path_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(CancellationToken token)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(token);
                using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
                {
                    await Task.Delay(10, timeout.Token);
                }

                var other = new CancellationTokenSource();
                try
                {
                    await Task.Delay(10, other.Token);
                }
                finally
                {
                    other.Dispose();
                }

                CancellationTokenSource? maybe = null;
                try
                {
                    maybe = CancellationTokenSource.CreateLinkedTokenSource(token);
                    await Task.Delay(10, maybe.Token);
                }
                finally
                {
                    maybe?.Dispose();
                }
            }
        }
        """);

    [Fact]
    public Task Sources_owned_elsewhere_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.Extensions.Hosting;

        sealed class Worker : BackgroundService
        {
            private CancellationTokenSource? _linked;
            private readonly CancellationTokenSource _shutdown = new();

            protected override Task ExecuteAsync(CancellationToken stoppingToken)
            {
                _linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _shutdown.Token);
                return Task.Delay(10, _linked.Token);
            }

            public override void Dispose()
            {
                _linked?.Dispose();
                _shutdown.Dispose();
                base.Dispose();
            }
        }

        class C
        {
            CancellationTokenSource Create(CancellationToken token) => CancellationTokenSource.CreateLinkedTokenSource(token);

            void DisposedByCallback(CancellationToken token, Task work)
            {
                var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                work.ContinueWith(_ => cts.Dispose());
            }

            void DisposedWhenTokenFires(CancellationToken token)
            {
                var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                cts.Token.Register(() => cts.Dispose());
            }
        }
        """);

    // ---- Code fix ---------------------------------------------------------------------------

    [Fact]
    public Task Fix_adds_using_var() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(CancellationToken token)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                await Task.Delay(10, cts.Token);
            }
        }
        """, """
        class C
        {
            async Task M(CancellationToken token)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                await Task.Delay(10, cts.Token);
            }
        }
        """);

    [Fact]
    public Task Fix_captures_a_chained_source() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(CancellationToken a, CancellationToken b)
            {
                var cts = 0;
                await Task.Delay(10, [|CancellationTokenSource.CreateLinkedTokenSource(a, b)|].Token);
            }
        }
        """, """
        class C
        {
            async Task M(CancellationToken a, CancellationToken b)
            {
                var cts = 0;
                using var cts2 = CancellationTokenSource.CreateLinkedTokenSource(a, b);
                await Task.Delay(10, cts2.Token);
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_when_a_lambda_may_use_the_source_later() => VerifyFix.CodeFixAsync("""
        class C
        {
            void M(CancellationToken stopping, HttpClient client)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(stopping)|];
                _ = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    await client.GetStringAsync("http://localhost/", cts.Token);
                });
            }
        }
        """, """
        class C
        {
            void M(CancellationToken stopping, HttpClient client)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(stopping)|];
                _ = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    await client.GetStringAsync("http://localhost/", cts.Token);
                });
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_when_unawaited_work_still_uses_the_source() => VerifyFix.CodeFixAsync("""
        class C
        {
            Task Returned(CancellationToken token, Func<CancellationToken, Task> load)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                var pending = load(cts.Token);
                return pending;
            }

            void Discarded(CancellationToken token, Func<CancellationToken, Task> load)
            {
                var cts = [|new CancellationTokenSource(TimeSpan.FromSeconds(5))|];
                _ = load(cts.Token);
            }
        }
        """, """
        class C
        {
            Task Returned(CancellationToken token, Func<CancellationToken, Task> load)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                var pending = load(cts.Token);
                return pending;
            }

            void Discarded(CancellationToken token, Func<CancellationToken, Task> load)
            {
                var cts = [|new CancellationTokenSource(TimeSpan.FromSeconds(5))|];
                _ = load(cts.Token);
            }
        }
        """);

    [Fact]
    public Task Fix_is_offered_when_the_fan_out_using_the_source_is_awaited() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(CancellationToken token, HttpClient client)
            {
                var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                await Task.WhenAll(client.GetStringAsync("http://localhost/a", cts.Token), client.GetStringAsync("http://localhost/b", cts.Token)).ConfigureAwait(false);
            }
        }
        """, """
        class C
        {
            async Task M(CancellationToken token, HttpClient client)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                await Task.WhenAll(client.GetStringAsync("http://localhost/a", cts.Token), client.GetStringAsync("http://localhost/b", cts.Token)).ConfigureAwait(false);
            }
        }
        """);

    [Fact]
    public Task Fix_is_offered_for_a_source_used_in_a_linq_fan_out() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<int> Sync(IReadOnlyList<int> ids, Func<int, CancellationToken, Task> upsert, CancellationToken cancellationToken)
            {
                var timeout = [|CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)|];
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                var tasks = ids.Where(id => id > 0).Select(id => upsert(id, timeout.Token));
                await Task.WhenAll(tasks);
                return ids.Count;
            }
        }
        """, """
        class C
        {
            async Task<int> Sync(IReadOnlyList<int> ids, Func<int, CancellationToken, Task> upsert, CancellationToken cancellationToken)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                var tasks = ids.Where(id => id > 0).Select(id => upsert(id, timeout.Token));
                await Task.WhenAll(tasks);
                return ids.Count;
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_for_a_returned_linq_fan_out() => VerifyFix.CodeFixAsync("""
        class C
        {
            IEnumerable<Task> Start(IReadOnlyList<int> ids, Func<int, CancellationToken, Task> upsert, CancellationToken cancellationToken)
            {
                var timeout = [|CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)|];
                return ids.Select(id => upsert(id, timeout.Token));
            }
        }
        """, """
        class C
        {
            IEnumerable<Task> Start(IReadOnlyList<int> ids, Func<int, CancellationToken, Task> upsert, CancellationToken cancellationToken)
            {
                var timeout = [|CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)|];
                return ids.Select(id => upsert(id, timeout.Token));
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_for_a_chained_source_whose_task_is_returned() => VerifyFix.CodeFixAsync("""
        class C
        {
            Task M(CancellationToken a, CancellationToken b) => Task.Delay(10, [|CancellationTokenSource.CreateLinkedTokenSource(a, b)|].Token);
        }
        """, """
        class C
        {
            Task M(CancellationToken a, CancellationToken b) => Task.Delay(10, [|CancellationTokenSource.CreateLinkedTokenSource(a, b)|].Token);
        }
        """);

    [Fact]
    public Task Fix_in_a_switch_section_uses_a_using_statement() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(CancellationToken token, int mode)
            {
                switch (mode)
                {
                    case 1:
                        var cts = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                        await Task.Delay(10, cts.Token);
                        break;
                }
            }
        }
        """, """
        class C
        {
            async Task M(CancellationToken token, int mode)
            {
                switch (mode)
                {
                    case 1:
                        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(token))
                        {
                            await Task.Delay(10, cts.Token);
                            break;
                        }
                }
            }
        }
        """);

    [Fact]
    public Task Fix_in_CSharp_7_3_wraps_the_rest_of_the_scope() => VerifyFix.CodeFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;

        class C
        {
            async Task M(CancellationToken token)
            {
                var cts = new [|CancellationTokenSource|](1000);
                await Task.Delay(10, cts.Token);
                Console.WriteLine("done");
            }
        }
        """.Replace("new [|CancellationTokenSource|](1000)", "[|new CancellationTokenSource(1000)|]"), """
        using System;
        using System.Threading;
        using System.Threading.Tasks;

        class C
        {
            async Task M(CancellationToken token)
            {
                using (var cts = new CancellationTokenSource(1000))
                {
                    await Task.Delay(10, cts.Token);
                    Console.WriteLine("done");
                }
            }
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp7_3);

    [Fact]
    public Task Fix_all_handles_several_sources_in_one_method() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(CancellationToken token)
            {
                var first = [|CancellationTokenSource.CreateLinkedTokenSource(token)|];
                var second = [|new CancellationTokenSource()|];
                await Task.Delay(10, [|CancellationTokenSource.CreateLinkedTokenSource(first.Token, second.Token)|].Token);
            }
        }
        """, """
        class C
        {
            async Task M(CancellationToken token)
            {
                using var first = CancellationTokenSource.CreateLinkedTokenSource(token);
                using var second = new CancellationTokenSource();
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(first.Token, second.Token);
                await Task.Delay(10, cts.Token);
            }
        }
        """);

    [Fact]
    public Task Fix_is_not_offered_when_returned_work_still_uses_the_source() => VerifyFix.CodeFixAsync("""
        class C
        {
            Task M(CancellationToken token)
            {
                var cts = [|new CancellationTokenSource(TimeSpan.FromSeconds(5))|];
                return Task.Delay(1000, cts.Token);
            }
        }
        """, """
        class C
        {
            Task M(CancellationToken token)
            {
                var cts = [|new CancellationTokenSource(TimeSpan.FromSeconds(5))|];
                return Task.Delay(1000, cts.Token);
            }
        }
        """);

    [Theory]
    [InlineData("var cts = CancellationTokenSource.CreateLinkedTokenSource(;")]
    [InlineData("var cts = new CancellationTokenSource(")]
    [InlineData("var cts = new CancellationTokenSource(); cts.")]
    [InlineData("using var cts = new CancellationTokenSource(Missing);")]
    [InlineData("CancellationTokenSource cts; cts = new(); cts?.Dispose(")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.CancellationTokenSourceDisposalAnalyzer>("class C { void M(CancellationToken token) { " + body + " } }");
    }
}
