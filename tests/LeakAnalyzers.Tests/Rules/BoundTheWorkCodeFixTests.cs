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
    public Task Arguments_that_would_read_other_values_later_are_read_into_locals_before_the_work() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            public sealed record AuditEntry(string User, string Action, DateTimeOffset At);

            public interface IAuditLog
            {
                Task WriteAsync(AuditEntry entry, CancellationToken cancellationToken = default);
            }

            public class OrdersController : ControllerBase
            {
                private readonly IAuditLog _audit;

                public OrdersController(IAuditLog audit) => _audit = audit;

                [HttpPost]
                public IActionResult Create()
                {
                    _ = [|_audit.WriteAsync(new AuditEntry(User.Identity?.Name ?? "anonymous", "order.create", DateTimeOffset.UtcNow))|];
                    return Accepted();
                }
            }

            class Writer
            {
                void Loop(string[] paths)
                {
                    for (var i = 0; i < paths.Length; i++)
                    {
                        _ = [|File.WriteAllTextAsync(paths[i], "x")|];
                    }
                }

                void Request(HttpContext context)
                {
                    _ = [|File.WriteAllTextAsync("a.txt", context.Request.Path.Value)|];
                }
            }
            """, """
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            public sealed record AuditEntry(string User, string Action, DateTimeOffset At);

            public interface IAuditLog
            {
                Task WriteAsync(AuditEntry entry, CancellationToken cancellationToken = default);
            }

            public class OrdersController : ControllerBase
            {
                private readonly IAuditLog _audit;

                public OrdersController(IAuditLog audit) => _audit = audit;

                [HttpPost]
                public IActionResult Create()
                {
                    var entry = new AuditEntry(User.Identity?.Name ?? "anonymous", "order.create", DateTimeOffset.UtcNow);
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await _audit.WriteAsync(entry, cts.Token);
                    });
                    return Accepted();
                }
            }

            class Writer
            {
                void Loop(string[] paths)
                {
                    for (var i = 0; i < paths.Length; i++)
                    {
                        var path = paths[i];
                        _ = Task.Run(async () =>
                        {
                            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                            await File.WriteAllTextAsync(path, "x", cts.Token);
                        });
                    }
                }

                void Request(HttpContext context)
                {
                    var contents = context.Request.Path.Value;
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await File.WriteAllTextAsync("a.txt", contents, cts.Token);
                    });
                }
            }
            """, test => test.CodeActionEquivalenceKey = BoundTheWork);

    [Fact]
    public Task A_receiver_and_arguments_read_first_keep_their_order() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            class Notifier
            {
                public HttpClient Client { get; set; } = new();

                private string Url(int id) => "http://n/" + id;

                public void Notify(int id)
                {
                    // tell the partner
                    _ = [|Client.PostAsync(Url(id), content: null)|];
                }
            }
            """, """
            class Notifier
            {
                public HttpClient Client { get; set; } = new();

                private string Url(int id) => "http://n/" + id;

                public void Notify(int id)
                {
                    // tell the partner
                    var client = Client;
                    var requestUri = Url(id);
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        using var response = await client.PostAsync(requestUri, content: null, cancellationToken: cts.Token);
                    });
                }
            }
            """);

    [Fact]
    public Task A_hub_send_reads_its_proxy_and_arguments_before_the_work() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.SignalR;

            public sealed class NotificationsHub : Hub
            {
                public override Task OnConnectedAsync()
                {
                    _ = [|Clients.Others.SendAsync("joined", Context.ConnectionId)|];
                    return base.OnConnectedAsync();
                }
            }
            """, """
            using Microsoft.AspNetCore.SignalR;

            public sealed class NotificationsHub : Hub
            {
                public override Task OnConnectedAsync()
                {
                    var others = Clients.Others;
                    var connectionId = Context.ConnectionId;
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await others.SendAsync("joined", connectionId, cts.Token);
                    });
                    return base.OnConnectedAsync();
                }
            }
            """);

    [Fact]
    public Task A_call_that_cannot_move_keeps_its_place_and_gets_the_host_token() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.Extensions.Hosting;

            public interface IMetricsSink
            {
                ValueTask FlushAsync(CancellationToken cancellationToken = default);
            }

            static class TaskHelpers
            {
                public static void Forget(this Task task) { }
            }

            sealed class MetricsPusher : BackgroundService
            {
                private readonly IMetricsSink _sink;

                public MetricsPusher(IMetricsSink sink) => _sink = sink;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        [|_sink.FlushAsync()|].AsTask().Forget();
                        _ = [|File.AppendAllTextAsync("push.log", "tick")|].ContinueWith(t => Console.WriteLine(t.Exception), TaskContinuationOptions.OnlyOnFaulted);
                        await Task.Delay(1000, stoppingToken);
                    }
                }
            }
            """, """
            using Microsoft.Extensions.Hosting;

            public interface IMetricsSink
            {
                ValueTask FlushAsync(CancellationToken cancellationToken = default);
            }

            static class TaskHelpers
            {
                public static void Forget(this Task task) { }
            }

            sealed class MetricsPusher : BackgroundService
            {
                private readonly IMetricsSink _sink;

                public MetricsPusher(IMetricsSink sink) => _sink = sink;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        _sink.FlushAsync(stoppingToken).AsTask().Forget();
                        _ = File.AppendAllTextAsync("push.log", "tick", stoppingToken).ContinueWith(t => Console.WriteLine(t.Exception), TaskContinuationOptions.OnlyOnFaulted);
                        await Task.Delay(1000, stoppingToken);
                    }
                }
            }
            """);

    [Fact]
    public Task Not_offered_where_the_call_hands_over_a_request_object() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Http;

            class C
            {
                void Request(HttpContext context)
                {
                    _ = [|LogAsync(context.Request)|];
                }

                static Task LogAsync(HttpRequest request, CancellationToken cancellationToken = default) => Task.CompletedTask;
            }
            """, """
            using Microsoft.AspNetCore.Http;

            class C
            {
                void Request(HttpContext context)
                {
                    _ = [|LogAsync(context.Request)|];
                }

                static Task LogAsync(HttpRequest request, CancellationToken cancellationToken = default) => Task.CompletedTask;
            }
            """, test => test.CodeActionEquivalenceKey = BoundTheWork);

    [Fact]
    public Task Not_offered_where_arguments_would_need_reading_first_in_an_expression_bodied_member() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using Microsoft.AspNetCore.Http;

            class C
            {
                void Request(HttpContext context) => _ = [|File.WriteAllTextAsync("a.txt", context.Request.Path.Value)|];
            }
            """, """
            using Microsoft.AspNetCore.Http;

            class C
            {
                void Request(HttpContext context) => _ = [|File.WriteAllTextAsync("a.txt", context.Request.Path.Value)|];
            }
            """, test => test.CodeActionEquivalenceKey = BoundTheWork);

    [Fact]
    public Task A_delay_before_the_work_keeps_its_wait_and_the_timeout_starts_after_it() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            public interface IOrderRepository
            {
                Task PurgeExpiredAsync(CancellationToken cancellationToken = default);
            }

            class Scheduler
            {
                private readonly IOrderRepository _orders;
                private readonly CancellationToken _shutdown;

                public Scheduler(IOrderRepository orders, CancellationToken shutdown)
                {
                    _orders = orders;
                    _shutdown = shutdown;
                }

                public void ScheduleNightlyPurge() =>
                    [|Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromHours(1));
                        await _orders.PurgeExpiredAsync();
                    })|];
            }

            class HostlessScheduler
            {
                private readonly IOrderRepository _orders;

                public HostlessScheduler(IOrderRepository orders) => _orders = orders;

                public void PurgeLater()
                {
                    _ = [|Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                        await _orders.PurgeExpiredAsync().ConfigureAwait(false);
                    })|];
                }
            }
            """, """
            public interface IOrderRepository
            {
                Task PurgeExpiredAsync(CancellationToken cancellationToken = default);
            }

            class Scheduler
            {
                private readonly IOrderRepository _orders;
                private readonly CancellationToken _shutdown;

                public Scheduler(IOrderRepository orders, CancellationToken shutdown)
                {
                    _orders = orders;
                    _shutdown = shutdown;
                }

                public void ScheduleNightlyPurge() =>
                    Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromHours(1), _shutdown);
                        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
                        cts.CancelAfter(TimeSpan.FromSeconds(30));
                        await _orders.PurgeExpiredAsync(cts.Token);
                    });
            }

            class HostlessScheduler
            {
                private readonly IOrderRepository _orders;

                public HostlessScheduler(IOrderRepository orders) => _orders = orders;

                public void PurgeLater()
                {
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await _orders.PurgeExpiredAsync(cts.Token).ConfigureAwait(false);
                    });
                }
            }
            """);

    [Fact]
    public Task Work_that_only_waits_gets_the_host_token_not_a_timeout() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            class Ticker
            {
                private readonly CancellationToken _stopping;

                public Ticker(CancellationToken stopping) => _stopping = stopping;

                public void Tick()
                {
                    [|Task.Delay(1000)|];
                    _ = [|Task.Run(async () => await Task.Delay(10))|];
                }
            }
            """, """
            class Ticker
            {
                private readonly CancellationToken _stopping;

                public Ticker(CancellationToken stopping) => _stopping = stopping;

                public void Tick()
                {
                    Task.Delay(1000, _stopping);
                    _ = Task.Run(async () => await Task.Delay(10, _stopping));
                }
            }
            """);

    [Fact]
    public Task Not_offered_where_the_work_waits_between_or_around_its_calls() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            class Poller
            {
                private readonly HttpClient _client = new();

                public void Poll()
                {
                    _ = [|Task.Run(async () =>
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await _client.GetStringAsync("http://p/");
                            await Task.Delay(1000);
                        }
                    })|];
                }

                public void Later() => _ = [|Task.Run(() => Task.Delay(1000))|];

                public void Helper() => _ = [|Task.Run(() => PollLaterAsync())|];

                private async Task PollLaterAsync()
                {
                    await Task.Delay(1000);
                    await _client.GetStringAsync("http://p/");
                }
            }
            """, """
            class Poller
            {
                private readonly HttpClient _client = new();

                public void Poll()
                {
                    _ = [|Task.Run(async () =>
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await _client.GetStringAsync("http://p/");
                            await Task.Delay(1000);
                        }
                    })|];
                }

                public void Later() => _ = [|Task.Run(() => Task.Delay(1000))|];

                public void Helper() => _ = [|Task.Run(() => PollLaterAsync())|];

                private async Task PollLaterAsync()
                {
                    await Task.Delay(1000);
                    await _client.GetStringAsync("http://p/");
                }
            }
            """, test => test.CodeActionEquivalenceKey = BoundTheWork);

    [Fact]
    public Task A_channel_write_keeps_its_place_and_gets_the_host_token() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using System.Threading.Channels;

            public sealed record Job(string Id);

            class JobQueue
            {
                private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>();
                private readonly CancellationToken _shutdown;

                public JobQueue(CancellationToken shutdown) => _shutdown = shutdown;

                public void Enqueue(Job job) => _ = [|_queue.Writer.WriteAsync(job)|];
            }
            """, """
            using System.Threading.Channels;

            public sealed record Job(string Id);

            class JobQueue
            {
                private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>();
                private readonly CancellationToken _shutdown;

                public JobQueue(CancellationToken shutdown) => _shutdown = shutdown;

                public void Enqueue(Job job) => _ = _queue.Writer.WriteAsync(job, _shutdown);
            }
            """);

    [Fact]
    public Task Not_offered_for_an_ordered_write_without_a_host_token() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using System.Threading.Channels;

            class JobQueue
            {
                private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

                public void Enqueue(string job) => _ = [|_queue.Writer.WriteAsync(job)|];

                public void Append(Stream stream, byte[] line)
                {
                    _ = [|stream.WriteAsync(line, 0, line.Length)|];
                }
            }
            """, """
            using System.Threading.Channels;

            class JobQueue
            {
                private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

                public void Enqueue(string job) => _ = [|_queue.Writer.WriteAsync(job)|];

                public void Append(Stream stream, byte[] line)
                {
                    _ = [|stream.WriteAsync(line, 0, line.Length)|];
                }
            }
            """, test => test.CodeActionEquivalenceKey = BoundTheWork);

    [Fact]
    public Task A_disposable_result_is_disposed_in_the_work_not_returned() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            class Webhooks
            {
                private readonly HttpClient _client = new();

                public void Replay(string url)
                {
                    _ = [|_client.PostAsync(url, null)|];
                    _ = [|Task.Run(() => _client.GetAsync(url))|];
                }
            }
            """, """
            class Webhooks
            {
                private readonly HttpClient _client = new();

                public void Replay(string url)
                {
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        using var response = await _client.PostAsync(url, null, cts.Token);
                    });
                    _ = Task.Run(async () =>
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        using var response = await _client.GetAsync(url, cts.Token);
                    });
                }
            }
            """);

    [Fact]
    public Task Csharp_7_3_disposes_the_result_with_a_call() =>
        Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
            using System.Net.Http;

            class Webhooks
            {
                private readonly HttpClient _client = new HttpClient();

                public void Replay(string url)
                {
                    _ = [|_client.GetAsync(url)|];
                }
            }
            """, """
            using System;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class Webhooks
            {
                private readonly HttpClient _client = new HttpClient();

                public void Replay(string url)
                {
                    _ = Task.Run(async () =>
                    {
                        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                        {
                            (await _client.GetAsync(url, cts.Token)).Dispose();
                        }
                    });
                }
            }
            """, test => test.LanguageVersion = LanguageVersion.CSharp7_3);

    [Fact]
    public Task Fix_all_bounds_every_document() => Verify<FireAndForgetAnalyzer, FireAndForgetCodeFixProvider>.CodeFixAsync("""
        class A
        {
            void M(CancellationToken token)
            {
                [|Task.Run(() => File.WriteAllTextAsync("1.txt", "1"))|];
                [|Task.Run(() => File.WriteAllTextAsync("2.txt", "2"))|];
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
                    await File.WriteAllTextAsync("1.txt", "1", cts.Token);
                });
                Task.Run(async () =>
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await File.WriteAllTextAsync("2.txt", "2", cts.Token);
                });
            }
        }
        """);
}
