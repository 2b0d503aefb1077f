using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.FireAndForgetAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.FireAndForgetAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.FireAndForgetCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class FireAndForgetAnalyzerTests
{
    // ---- Positives ----------------------------------------------------------------------

    // Seen in a Mastodon client: the close handshake is started and the socket disposed at once.
    [Fact]
    public Task A_call_whose_receiver_the_next_statement_disposes_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.WebSockets;

        sealed class Streaming
        {
            private ClientWebSocket _socket = new();

            public void Stop(ClientWebSocket other)
            {
                _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                _socket.Dispose();

                [|other.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None)|];
                Console.WriteLine("closing");
                other.Dispose();

                [|other.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None)|];
                _socket.Dispose();
            }
        }
        """);

    // Seen in a websocket client: the receive loop reads the token its owner cancels on Dispose.
    [Fact]
    public Task Work_whose_callee_reads_a_token_its_instance_holds_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.WebSockets;

        sealed class Client
        {
            private readonly ClientWebSocket _socket = new();
            private readonly CancellationTokenSource _stop = new();
            private CancellationToken _token;

            public void Start()
            {
                _token = _stop.Token;
                Task.Run(() => ReceiveLoop(), _token);
                _ = Task.Run(() => ReadSourceToken());
            }

            private async Task ReceiveLoop()
            {
                var buffer = new byte[1024];
                while (!_token.IsCancellationRequested)
                {
                    await _socket.ReceiveAsync(buffer, _token);
                    await Task.Delay(10);
                }
            }

            private async Task ReadSourceToken() => await Task.Delay(1000, _stop.Token);
        }
        """);

    // The boundary: a callee's own token parameter holds what the delegate passed (here its default),
    // and a callee that reads no held token leaves the work unstoppable.
    [Fact]
    public Task Work_whose_callees_read_only_their_parameters_or_no_token_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        sealed class Mailer
        {
            private readonly HttpClient _http = new();

            public void Queue(int id)
            {
                _ = [|Task.Run(() => SendAsync(id))|];
                _ = [|Task.Run(() => PostAsync(id))|];
            }

            private async Task SendAsync(int id, CancellationToken cancellationToken = default) =>
                await _http.GetStringAsync("http://localhost/mail/" + id, cancellationToken);

            private async Task PostAsync(int id) =>
                await _http.GetStringAsync("http://localhost/mail/" + id, CancellationToken.None);
        }
        """);

    [Fact]
    public Task Discarded_and_statement_calls_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                _ = [|client.GetStringAsync("http://localhost/")|];
                [|File.WriteAllTextAsync("a.txt", "a")|];
            }
        }
        """);

    [Fact]
    public Task Task_run_and_start_new_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                [|Task.Run(() => client.GetStringAsync("http://localhost/"))|];
                [|Task.Factory.StartNew(() => client.GetStringAsync("http://localhost/").Result)|];
            }
        }
        """);

    [Fact]
    public Task Calls_with_default_or_none_tokens_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                _ = [|client.GetStringAsync("http://localhost/", CancellationToken.None)|];
                _ = [|client.GetStringAsync("http://localhost/", default)|];
            }
        }
        """);

    [Fact]
    public Task Discarded_delays_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M()
            {
                [|Task.Delay(1000)|];
                _ = [|Task.Run(async () => await Task.Delay(10))|];
                _ = [|Task.Delay(10, new CancellationToken())|];
            }
        }
        """);

    [Fact]
    public Task Value_tasks_and_optional_token_parameters_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            ValueTask SendAsync(string message, CancellationToken cancellationToken = default) => default;

            void M()
            {
                _ = [|SendAsync("hello")|];
            }
        }
        """);

    // ---- Never flag ---------------------------------------------------------------------

    [Fact]
    public Task Awaited_returned_and_stored_tasks_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            private Task? _pending;
            private readonly List<Task> _all = new();

            async Task<Task> M(HttpClient client)
            {
                await Task.Delay(10);
                var local = Task.Delay(10);
                _pending = Task.Run(() => client.GetStringAsync("http://localhost/"));
                _all.Add(Task.Delay(10));
                await local;
                return Task.Delay(10);
            }

            Task N() => Task.Delay(10);

            Task Wait() => Task.WhenAll(_all.Append(_pending!));
        }
        """);

    [Fact]
    public Task Calls_that_receive_a_token_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            private readonly CancellationTokenSource _shutdown = new();

            void M(HttpClient client, CancellationToken token)
            {
                _ = client.GetStringAsync("http://localhost/", token);
                Task.Delay(10, _shutdown.Token);
                Task.Run(() => client.GetStringAsync("http://localhost/", token));
                Task.Run(() =>
                {
                    while (!token.IsCancellationRequested)
                    {
                        Thread.Sleep(10);
                    }
                });
            }
        }
        """);

    [Fact]
    public Task Discarded_calls_inside_async_void_event_handlers_are_reported_but_not_the_handlers() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            public event EventHandler? Changed;

            C()
            {
                Changed += async (sender, e) => await Task.Delay(10);
                Changed += OnChanged;
            }

            async void OnChanged(object? sender, EventArgs e)
            {
                _ = [|File.WriteAllTextAsync("a.txt", "a")|];
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Calls_that_cannot_take_a_token_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            Task LogAsync(string message) => Task.CompletedTask;

            void M(HttpClient client)
            {
                _ = LogAsync("x");
                _ = Task.FromResult(1);
                Task.WhenAll(LogAsync("a"), LogAsync("b"));
                _ = Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Configure_await_and_continuations_are_not_the_started_task() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(CancellationToken token)
            {
                await Task.Delay(10, token).ConfigureAwait(false);
                _ = Task.Delay(10, token).ContinueWith(t => t.Exception, TaskScheduler.Default);
            }
        }
        """);

    [Fact]
    public Task Suppressed_by_editorconfig() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M() => Task.Delay(10);
        }
        """, test => test.EditorConfig = "dotnet_diagnostic.LEAK004.severity = none");

    [Theory]
    [InlineData("_ = Task.Run(")]
    [InlineData("Task.Run(() => Missing());")]
    [InlineData("_ = Unknown.FooAsync(token);")]
    [InlineData("Task.Delay(")]
    [InlineData("_ = Task.Run(async () => await Task.Delay(1, ), token);")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.FireAndForgetAnalyzer>("class C { void M(CancellationToken token) { " + body + " } }");
    }
}

public sealed class FireAndForgetCodeFixTests
{
    /// <summary>These tests apply the second action, "pass the token in scope"; BoundTheWorkCodeFixTests covers the first.</summary>
    private static Task Fix(string source, string fixedSource, Action<LeakTest<LeakAnalyzers.Rules.FireAndForgetAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.FireAndForgetCodeFixProvider>>? configure = null) =>
        VerifyFix.CodeFixAsync(source, fixedSource, test =>
        {
            test.CodeActionEquivalenceKey = "LEAK004.PassTokenInScope";
            configure?.Invoke(test);
        });

    [Fact]
    public Task Fix_passes_the_parameter_token_to_task_run_and_inside_the_lambda() => Fix("""
        class C
        {
            void M(HttpClient client, CancellationToken token)
            {
                [|Task.Run(async () => await client.GetStringAsync("http://localhost/"))|];
                _ = [|client.GetStringAsync("http://localhost/", CancellationToken.None)|];
            }
        }
        """, """
        class C
        {
            void M(HttpClient client, CancellationToken token)
            {
                Task.Run(async () => await client.GetStringAsync("http://localhost/", token), token);
                _ = client.GetStringAsync("http://localhost/", token);
            }
        }
        """);

    [Fact]
    public Task Fix_switches_to_extension_and_inherited_overloads_and_leaves_static_lambdas_to_bound_the_work() => Fix("""
        class Client
        {
            public Task PingAsync() => Task.CompletedTask;
        }

        class TracingClient : Client
        {
        }

        class BaseStore
        {
            public Task SaveAsync(string key) => Task.CompletedTask;
            public Task SaveAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        class Store : BaseStore
        {
        }

        static class ClientExtensions
        {
            public static Task SendAsync<T>(this Client client, T message) => Task.CompletedTask;
            public static Task SendAsync<T>(this Client client, T message, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        class C
        {
            void M(TracingClient client, Store store, CancellationToken token)
            {
                _ = [|client.SendAsync(42)|];
                _ = [|store.SaveAsync("k")|];
                _ = client.PingAsync();
                [|Task.Run(static () => File.WriteAllTextAsync("a.txt", "a"))|];
            }
        }
        """, """
        class Client
        {
            public Task PingAsync() => Task.CompletedTask;
        }

        class TracingClient : Client
        {
        }

        class BaseStore
        {
            public Task SaveAsync(string key) => Task.CompletedTask;
            public Task SaveAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        class Store : BaseStore
        {
        }

        static class ClientExtensions
        {
            public static Task SendAsync<T>(this Client client, T message) => Task.CompletedTask;
            public static Task SendAsync<T>(this Client client, T message, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        class C
        {
            void M(TracingClient client, Store store, CancellationToken token)
            {
                _ = client.SendAsync(42, token);
                _ = store.SaveAsync("k", token);
                _ = client.PingAsync();
                {|LEAK004:Task.Run(static () => File.WriteAllTextAsync("a.txt", "a"))|};
            }
        }
        """);

    [Fact]
    public Task Fix_adds_a_parameter_when_no_token_is_in_scope() => Fix("""
        class C
        {
            public void M(string path)
            {
                _ = [|File.WriteAllTextAsync(path, "a")|];
                [|Task.Delay(10)|];
            }

            void Caller() => M("a.txt");
        }
        """, """
        class C
        {
            public void M(string path, CancellationToken cancellationToken = default)
            {
                _ = File.WriteAllTextAsync(path, "a", cancellationToken);
                Task.Delay(10, cancellationToken);
            }

            void Caller() => M("a.txt");
        }
        """);

    [Fact]
    public Task Fix_uses_request_aborted_in_a_controller() => Fix("""
        using Microsoft.AspNetCore.Mvc;

        public class OrdersController : ControllerBase
        {
            [HttpPost]
            public IActionResult Post(string path)
            {
                _ = [|System.IO.File.AppendAllTextAsync(path, "order")|];
                return Ok();
            }
        }
        """, """
        using Microsoft.AspNetCore.Mvc;

        public class OrdersController : ControllerBase
        {
            [HttpPost]
            public IActionResult Post(string path)
            {
                _ = System.IO.File.AppendAllTextAsync(path, "order", HttpContext.RequestAborted);
                return Ok();
            }
        }
        """);

    [Fact]
    public Task Fix_reads_request_aborted_before_background_work_starts() => Fix("""
        using Microsoft.AspNetCore.Http;

        public static class Audit
        {
            public static IResult Accept(HttpContext context, HttpClient client)
            {
                var path = context.Request.Path.Value;
                _ = [|Task.Run(async () =>
                {
                    var audit = await client.GetStringAsync("http://localhost/audit?path=" + path);
                    Console.WriteLine(audit.Length);
                })|];

                return Results.Ok();
            }
        }
        """, """
        using Microsoft.AspNetCore.Http;

        public static class Audit
        {
            public static IResult Accept(HttpContext context, HttpClient client)
            {
                var path = context.Request.Path.Value;
                var cancellationToken = context.RequestAborted;
                _ = Task.Run(async () =>
                {
                    var audit = await client.GetStringAsync("http://localhost/audit?path=" + path, cancellationToken);
                    Console.WriteLine(audit.Length);
                }, cancellationToken);

                return Results.Ok();
            }
        }
        """);

    [Fact]
    public Task Fix_in_an_async_method_uses_a_source_field_and_names_skipped_optional_parameters() => Fix("""
        using System.Net.Http.Json;

        class C
        {
            private readonly CancellationTokenSource _shutdown = new();

            async Task M(HttpClient client, object payload)
            {
                _ = [|client.PostAsJsonAsync("http://localhost/", payload)|];
                await Task.Yield();
            }
        }
        """, """
        using System.Net.Http.Json;

        class C
        {
            private readonly CancellationTokenSource _shutdown = new();

            async Task M(HttpClient client, object payload)
            {
                _ = client.PostAsJsonAsync("http://localhost/", payload, cancellationToken: _shutdown.Token);
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Fix_names_the_token_when_optional_parameters_are_skipped() => Fix("""
        class C
        {
            Task SendAsync(string message, int retries = 3, bool log = false, CancellationToken cancellationToken = default) => Task.CompletedTask;

            void M(CancellationToken token)
            {
                _ = [|SendAsync("hello", 1)|];
            }
        }
        """, """
        class C
        {
            Task SendAsync(string message, int retries = 3, bool log = false, CancellationToken cancellationToken = default) => Task.CompletedTask;

            void M(CancellationToken token)
            {
                _ = SendAsync("hello", 1, cancellationToken: token);
            }
        }
        """);

    [Fact]
    public Task Fix_in_lambdas_and_local_functions() => Fix("""
        class C
        {
            void M(List<string> paths)
            {
                paths.ForEach(path => [|File.WriteAllTextAsync(path, "a")|]);
                Func<CancellationToken, Task> run = ct =>
                {
                    [|Task.Delay(10)|];
                    return Task.CompletedTask;
                };
                Save("b.txt");

                void Save(string path)
                {
                    _ = [|File.WriteAllTextAsync(path, "b")|];
                }
            }
        }
        """, """
        class C
        {
            void M(List<string> paths)
            {
                paths.ForEach(path => {|LEAK004:File.WriteAllTextAsync(path, "a")|});
                Func<CancellationToken, Task> run = ct =>
                {
                    Task.Delay(10, ct);
                    return Task.CompletedTask;
                };
                Save("b.txt");

                void Save(string path, CancellationToken cancellationToken = default)
                {
                    _ = File.WriteAllTextAsync(path, "b", cancellationToken);
                }
            }
        }
        """);

    [Fact]
    public Task Fix_uses_the_minimal_api_token_and_the_background_service_stopping_token() => Fix("""
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.Hosting;

        static class Endpoints
        {
            public static void Map(WebApplication app) =>
                app.MapPost("/audit", (string entry, CancellationToken cancellationToken) =>
                {
                    _ = [|File.AppendAllTextAsync("audit.log", entry)|];
                    return "ok";
                });
        }

        sealed class Worker : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                [|Task.Run(() => File.AppendAllTextAsync("worker.log", "started"))|];
                await Task.Delay(1000, stoppingToken);
            }
        }
        """, """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.Hosting;

        static class Endpoints
        {
            public static void Map(WebApplication app) =>
                app.MapPost("/audit", (string entry, CancellationToken cancellationToken) =>
                {
                    _ = File.AppendAllTextAsync("audit.log", entry, cancellationToken);
                    return "ok";
                });
        }

        sealed class Worker : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                Task.Run(() => File.AppendAllTextAsync("worker.log", "started", stoppingToken), stoppingToken);
                await Task.Delay(1000, stoppingToken);
            }
        }
        """);

    [Fact]
    public Task Fix_uses_the_application_lifetime_and_adds_a_using_directive_before_csharp_10() => Fix("""
        using System.IO;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Hosting;

        class Notifier
        {
            private readonly IHostApplicationLifetime _lifetime;

            public Notifier(IHostApplicationLifetime lifetime) => _lifetime = lifetime;

            public void Notify() => _ = [|File.WriteAllTextAsync("n.txt", "n")|];

            public void Other() => [|Task.Delay(10)|];
        }

        static class Helpers
        {
            public static void Touch() => _ = [|File.WriteAllTextAsync("t.txt", "t")|];
        }
        """, """
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Hosting;

        class Notifier
        {
            private readonly IHostApplicationLifetime _lifetime;

            public Notifier(IHostApplicationLifetime lifetime) => _lifetime = lifetime;

            public void Notify() => _ = File.WriteAllTextAsync("n.txt", "n", _lifetime.ApplicationStopping);

            public void Other() => Task.Delay(10, _lifetime.ApplicationStopping);
        }

        static class Helpers
        {
            public static void Touch(CancellationToken cancellationToken = default) => _ = File.WriteAllTextAsync("t.txt", "t", cancellationToken);
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp9);

    [Fact]
    public Task No_parameter_is_added_to_overrides_interface_implementations_or_method_groups() => Fix("""
        interface IJob
        {
            void Run();
        }

        class Job : IJob
        {
            public void Run() => _ = [|File.WriteAllTextAsync("a.txt", "a")|];

            public override string ToString()
            {
                _ = [|File.WriteAllTextAsync("b.txt", "b")|];
                return "job";
            }

            void Tick() => _ = [|File.WriteAllTextAsync("c.txt", "c")|];

            Action Callback() => Tick;
        }
        """, """
        interface IJob
        {
            void Run();
        }

        class Job : IJob
        {
            public void Run() => _ = [|File.WriteAllTextAsync("a.txt", "a")|];

            public override string ToString()
            {
                _ = [|File.WriteAllTextAsync("b.txt", "b")|];
                return "job";
            }

            void Tick() => _ = [|File.WriteAllTextAsync("c.txt", "c")|];

            Action Callback() => Tick;
        }
        """);

    [Fact]
    public Task Fix_all_fixes_every_document() => Fix("""
        class A
        {
            void M(CancellationToken token)
            {
                [|Task.Delay(1)|];
                [|Task.Delay(2)|];
            }
        }
        """, """
        class A
        {
            void M(CancellationToken token)
            {
                Task.Delay(1, token);
                Task.Delay(2, token);
            }
        }
        """, test =>
        {
            test.TestState.Sources.Add("""
            class B
            {
                void M()
                {
                    [|Task.Delay(1)|];
                    _ = [|Task.Run(() => Task.Delay(2))|];
                }
            }
            """);
            test.FixedState.Sources.Add("""
            class B
            {
                void M(CancellationToken cancellationToken = default)
                {
                    Task.Delay(1, cancellationToken);
                    _ = Task.Run(() => Task.Delay(2, cancellationToken), cancellationToken);
                }
            }
            """);
        });

    [Fact]
    public Task Fix_works_next_to_broken_code()
    {
        return Fix("""
            class C
            {
                void M()
                {
                    var x = {|CS0103:Missing|}();
                    [|Task.Delay(10)|];
                }
            }
            """, """
            class C
            {
                void M(CancellationToken cancellationToken = default)
                {
                    var x = {|CS0103:Missing|}();
                    Task.Delay(10, cancellationToken);
                }
            }
            """);
    }
}
