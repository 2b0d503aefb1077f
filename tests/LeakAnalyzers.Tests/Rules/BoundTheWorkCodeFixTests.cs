using LeakAnalyzers.CodeFixes.Cancellation;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>LEAK004's default fix, "bound the work": the work gets its own timeout source (linked to a host token when one is in scope).</summary>
public sealed class BoundTheWorkCodeFixTests
{
    private const string BoundTheWork = "LEAK004.BoundTheWork";

    [Fact]
    public Task Minimal_api_discarded_call_moves_into_bounded_work_and_never_uses_the_request_token() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Builder;

            static class Endpoints
            {
                public static void Map(WebApplication app) =>
                    app.MapPost("/audit", (string entry, CancellationToken cancellationToken) =>
                    {
                        _ = [|File.AppendAllTextAsync("audit.log", entry)|];
                        return "ok";
                    });
            }
            """, """
            using Microsoft.AspNetCore.Builder;

            static class Endpoints
            {
                public static void Map(WebApplication app) =>
                    app.MapPost("/audit", (string entry, CancellationToken cancellationToken) =>
                    {
                        _ = Task.Run(async () =>
                        {
                            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                            await File.AppendAllTextAsync("audit.log", entry, cts.Token);
                        });
                        return "ok";
                    });
            }
            """);

    [Fact]
    public Task Controller_work_calling_a_method_without_a_token_parameter_threads_one_into_it() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Mvc;

            public class OrdersController : ControllerBase
            {
                private readonly HttpClient _client;

                public OrdersController(HttpClient client) => _client = client;

                [HttpPost]
                public IActionResult Post(int id)
                {
                    _ = [|Task.Run(async () => await SendEmailAsync(id))|];
                    return Accepted();
                }

                private async Task SendEmailAsync(int id)
                {
                    var body = await RenderAsync(id);
                    await _client.GetStringAsync("http://mail/send?body=" + body);
                }

                private Task<string> RenderAsync(int id) => _client.GetStringAsync("http://templates/" + id);
            }
            """, """
            using Microsoft.AspNetCore.Mvc;

            public class OrdersController : ControllerBase
            {
                private readonly HttpClient _client;

                public OrdersController(HttpClient client) => _client = client;

                [HttpPost]
                public IActionResult Post(int id)
                {
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await SendEmailAsync(id, cts.Token);
                    });
                    return Accepted();
                }

                private async Task SendEmailAsync(int id, CancellationToken cancellationToken = default)
                {
                    var body = await RenderAsync(id, cancellationToken);
                    await _client.GetStringAsync("http://mail/send?body=" + body, cancellationToken);
                }

                private Task<string> RenderAsync(int id, CancellationToken cancellationToken = default) => _client.GetStringAsync("http://templates/" + id, cancellationToken);
            }
            """);

    [Fact]
    public Task Middleware_lambda_returning_a_task_becomes_async_so_the_source_lives_until_the_work_ends() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Http;

            public sealed class AuditMiddleware
            {
                private readonly RequestDelegate _next;
                private readonly HttpClient _client;

                public AuditMiddleware(RequestDelegate next, HttpClient client)
                {
                    _next = next;
                    _client = client;
                }

                public async Task InvokeAsync(HttpContext context)
                {
                    var path = context.Request.Path.Value;
                    _ = [|Task.Run(() => _client.GetStringAsync("http://audit/?path=" + path))|]; // audit in the background
                    await _next(context);
                }
            }
            """, """
            using Microsoft.AspNetCore.Http;

            public sealed class AuditMiddleware
            {
                private readonly RequestDelegate _next;
                private readonly HttpClient _client;

                public AuditMiddleware(RequestDelegate next, HttpClient client)
                {
                    _next = next;
                    _client = client;
                }

                public async Task InvokeAsync(HttpContext context)
                {
                    var path = context.Request.Path.Value;
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        return await _client.GetStringAsync("http://audit/?path=" + path, cts.Token);
                    }); // audit in the background
                    await _next(context);
                }
            }
            """);

    [Fact]
    public Task Background_service_work_is_linked_to_the_stopping_token() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.Extensions.Hosting;

            sealed class Worker : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        _ = [|Task.Run(async () =>
                        {
                            // one tick of background work
                            await File.AppendAllTextAsync("worker.log", "tick");
                        })|];
                        await Task.Delay(1000, stoppingToken);
                    }
                }
            }
            """, """
            using Microsoft.Extensions.Hosting;

            sealed class Worker : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        _ = Task.Run(async () =>
                        {
                            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                            cts.CancelAfter(TimeSpan.FromSeconds(30));
                            // one tick of background work
                            await File.AppendAllTextAsync("worker.log", "tick", cts.Token);
                        });
                        await Task.Delay(1000, stoppingToken);
                    }
                }
            }
            """);

    [Fact]
    public Task Application_lifetime_and_token_fields_bound_the_work_with_the_configured_timeout() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.Extensions.Hosting;

            static class TaskHelpers
            {
                public static void Forget(this Task task) { }
            }

            class Notifier
            {
                private readonly IHostApplicationLifetime _lifetime;
                private readonly HttpClient _client;

                public Notifier(IHostApplicationLifetime lifetime, HttpClient client)
                {
                    _lifetime = lifetime;
                    _client = client;
                }

                public void Notify(string message) => [|_client.GetStringAsync("http://n/?m=" + message)|].Forget();
            }

            class Poller
            {
                private readonly CancellationToken _shutdown;
                private readonly HttpClient _client = new();

                public Poller(CancellationToken shutdown) => _shutdown = shutdown;

                public void Poll()
                {
                    var poll = [|Task.Run(() => _client.GetStringAsync("http://p/"))|];
                }
            }
            """, """
            using Microsoft.Extensions.Hosting;

            static class TaskHelpers
            {
                public static void Forget(this Task task) { }
            }

            class Notifier
            {
                private readonly IHostApplicationLifetime _lifetime;
                private readonly HttpClient _client;

                public Notifier(IHostApplicationLifetime lifetime, HttpClient client)
                {
                    _lifetime = lifetime;
                    _client = client;
                }

                public void Notify(string message) => Task.Run(async () =>
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.ApplicationStopping);
                    cts.CancelAfter(TimeSpan.FromSeconds(5));
                    return await _client.GetStringAsync("http://n/?m=" + message, cts.Token);
                }).Forget();
            }

            class Poller
            {
                private readonly CancellationToken _shutdown;
                private readonly HttpClient _client = new();

                public Poller(CancellationToken shutdown) => _shutdown = shutdown;

                public void Poll()
                {
                    var poll = Task.Run(async () =>
                    {
                        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
                        cts.CancelAfter(TimeSpan.FromSeconds(5));
                        return await _client.GetStringAsync("http://p/", cts.Token);
                    });
                }
            }
            """, test => test.EditorConfig = "leak_analyzers.default_timeout = 5");

    [Fact]
    public Task Async_void_handler_and_static_lambda() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            class Form
            {
                private readonly CancellationToken _closing;

                async void OnClick(object? sender, EventArgs e)
                {
                    _ = [|File.WriteAllTextAsync("clicked.txt", "x")|];
                    [|Task.Run(static () => File.WriteAllTextAsync("static.txt", "x"))|];
                    await Task.Yield();
                }
            }
            """, """
            class Form
            {
                private readonly CancellationToken _closing;

                async void OnClick(object? sender, EventArgs e)
                {
                    _ = Task.Run(async () =>
                    {
                        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_closing);
                        cts.CancelAfter(TimeSpan.FromSeconds(30));
                        await File.WriteAllTextAsync("clicked.txt", "x", cts.Token);
                    });
                    Task.Run(static async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await File.WriteAllTextAsync("static.txt", "x", cts.Token);
                    });
                    await Task.Yield();
                }
            }
            """);

    [Fact]
    public Task Csharp_7_3_uses_a_using_statement_and_adds_using_directives() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class C
            {
                private readonly HttpClient _client = new HttpClient();

                void M(string path)
                {
                    [|Task.Run(async () =>
                    {
                        var text = await _client.GetStringAsync("http://a/");
                        await File.WriteAllTextAsync(path, text);
                    })|];
                    _ = [|File.WriteAllTextAsync(path, "b")|];
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class C
            {
                private readonly HttpClient _client = new HttpClient();

                void M(string path)
                {
                    Task.Run(async () =>
                    {
                        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                        {
                            var text = await _client.GetStringAsync("http://a/", cts.Token);
                            await File.WriteAllTextAsync(path, text, cts.Token);
                        }
                    });
                    _ = Task.Run(async () =>
                    {
                        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                        {
                            await File.WriteAllTextAsync(path, "b", cts.Token);
                        }
                    });
                }
            }
            """, test => test.LanguageVersion = LanguageVersion.CSharp7_3);

    [Fact]
    public Task Not_offered_where_the_call_would_read_other_values_later() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Http;

            class C
            {
                void Loop(string[] paths)
                {
                    for (var i = 0; i < paths.Length; i++)
                    {
                        _ = [|File.WriteAllTextAsync(paths[i], "x")|];
                    }
                }

                void Request(HttpContext context) => _ = [|File.WriteAllTextAsync("a.txt", context.Request.Path.Value)|];
            }
            """, """
            using Microsoft.AspNetCore.Http;

            class C
            {
                void Loop(string[] paths)
                {
                    for (var i = 0; i < paths.Length; i++)
                    {
                        _ = [|File.WriteAllTextAsync(paths[i], "x")|];
                    }
                }

                void Request(HttpContext context) => _ = [|File.WriteAllTextAsync("a.txt", context.Request.Path.Value)|];
            }
            """, test => test.CodeActionEquivalenceKey = BoundTheWork);

    [Fact]
    public Task Fix_all_bounds_every_document() => Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
        class A
        {
            void M(CancellationToken token)
            {
                [|Task.Run(() => Task.Delay(1))|];
                [|Task.Run(() => Task.Delay(2))|];
            }
        }
        """, """
        class A
        {
            void M(CancellationToken token)
            {
                Task.Run(async () =>
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await Task.Delay(1, cts.Token);
                });
                Task.Run(async () =>
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await Task.Delay(2, cts.Token);
                });
            }
        }
        """);
}
