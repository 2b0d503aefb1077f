using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.StaticRequestCollectionAnalyzer>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class StaticRequestCollectionAnalyzerTests
{
    // ---- Positives: static fields -------------------------------------------------------

    [Fact]
    public Task Static_collections_keyed_by_each_request_type_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;
        using System.Net;
        using System.Net.WebSockets;
        using System.Security.Claims;
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            private static readonly Dictionary<HttpContext, DateTime> [|s_started = new()|];
            private static readonly ConcurrentDictionary<HttpRequest, string> [|s_tags = new()|];
            private static IDictionary<HttpResponse, int> [|s_sizes = new Dictionary<HttpResponse, int>()|];
            private static readonly IReadOnlyDictionary<HttpRequestMessage, string> [|s_sent = new Dictionary<HttpRequestMessage, string>()|];
            internal static Dictionary<HttpListenerContext, int> [|Listeners = new()|];
            public static readonly Dictionary<WebSocket, string> [|Sockets = new()|], [|Names = new()|];
            private static readonly Dictionary<ClaimsPrincipal, string> [|s_users = new()|];
        }
        """);

    [Fact]
    public Task Static_sets_and_lists_of_request_objects_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.ObjectModel;
        using Microsoft.AspNetCore.Http;

        static class Pending
        {
            public static readonly HashSet<HttpContext> [|Active = new()|];
            public static readonly ISet<HttpContext> [|Seen = new HashSet<HttpContext>()|];
            public static readonly List<HttpRequest> [|Requests = new()|];
            public static readonly ICollection<HttpResponse> [|Responses = new List<HttpResponse>()|];
            public static readonly LinkedList<HttpContext> [|Linked = new()|];
            public static readonly ObservableCollection<HttpContext> [|Observed = new()|];
        }
        """);

    [Fact]
    public Task Static_queues_and_bags_of_request_objects_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        static class Pending
        {
            public static readonly ConcurrentBag<HttpContext> [|Bag = new()|];
            public static readonly ConcurrentQueue<HttpContext> [|Queue = new()|];
            public static readonly BlockingCollection<HttpContext> [|Blocking = new()|];
            public static readonly Queue<HttpContext> [|Plain = new()|];
            public static readonly Stack<HttpContext> [|Stacked = new()|];
        }
        """);

    [Fact]
    public Task A_request_object_as_the_value_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        class Registry
        {
            private static readonly ConcurrentDictionary<int, HttpContext> [|s_byId = new()|];
            private static readonly Dictionary<string, HttpRequestMessage> [|s_byName = new()|];
            private static readonly SortedList<string, HttpResponseMessage> [|s_responses = new()|];

            public static void Track(int id, HttpContext context) => s_byId[id] = context;
        }
        """);

    [Fact]
    public Task Request_objects_nested_in_tuples_pairs_arrays_and_collections_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;

        class Nested
        {
            private static readonly Dictionary<string, List<HttpContext>> [|s_byUser = new()|];
            private static readonly List<(HttpContext Context, DateTime Started)> [|s_started = new()|];
            private static readonly Dictionary<Guid, HttpContext[]> [|s_batches = new()|];
            private static readonly List<KeyValuePair<HttpContext, int>> [|s_pairs = new()|];
        }
        """);

    [Fact]
    public Task Subclasses_of_request_types_are_request_scoped() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        class C
        {
            private static readonly Dictionary<DefaultHttpContext, int> [|s_contexts = new()|];
        }
        """);

    [Fact]
    public Task Subclasses_of_request_types_are_request_scoped_as_elements() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Net.WebSockets;

        class C
        {
            private static readonly List<ClientWebSocket> [|s_sockets = new()|];
        }
        """);

    [Fact]
    public Task The_message_says_what_is_held() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;

        class C
        {
            private static readonly Dictionary<int, HttpContext> {|#0:s_map = new()|};
        }
        """, test =>
        {
            test.ExpectedDiagnostics.Add(new DiagnosticResult(StaticRequestCollectionAnalyzer.Rule).WithLocation(0)
                .WithMessage("Static field 's_map' holds HttpContext values for the process lifetime: every request whose entry is not removed leaks; use a ConditionalWeakTable or per-request state"));
            test.DiagnosticVerifier = (diagnostic, _, _) => Assert.False(diagnostic.Properties.ContainsKey("KeyIsRequestScoped"));
        });

    [Fact]
    public Task Static_fields_of_controllers_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;

        public sealed class OrdersController : ControllerBase
        {
            private static readonly Dictionary<HttpContext, string> [|s_audit = new()|];
        }
        """);

    [Fact]
    public Task Immutable_collections_in_mutable_static_fields_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Frozen;
        using System.Collections.Immutable;
        using Microsoft.AspNetCore.Http;

        class C
        {
            private static ImmutableDictionary<HttpContext, int> [|s_counts = ImmutableDictionary<HttpContext, int>.Empty|];
            private static ImmutableList<HttpRequest> [|s_requests = ImmutableList<HttpRequest>.Empty|];
            private static FrozenSet<HttpContext> [|s_frozen = FrozenSet<HttpContext>.Empty|];

            public static void Add(HttpContext context) => s_counts = s_counts.Add(context, 1);
        }
        """);

    [Fact]
    public Task Non_generic_collections_are_reported_when_a_request_object_is_stored() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections;
        using Microsoft.AspNetCore.Http;

        class Legacy
        {
            private static readonly Hashtable [|s_byContext = new()|];
            private static readonly Hashtable [|s_byIndexer = new()|];
            private static readonly ArrayList [|s_requests = new()|];
            private static readonly Queue [|s_queue = new()|];

            public static void Begin(HttpContext context)
            {
                s_byContext.Add(context, DateTime.UtcNow);
                s_byIndexer[context.TraceIdentifier] = context;
                s_requests.Add(context.Request);
                s_queue.Enqueue(context);
            }
        }
        """);

    // ---- Positives: fields of instances shared for the process ----------------------------

    private const string Program = """
        using Microsoft.Extensions.DependencyInjection;

        static class Startup
        {
            public static void Configure(IServiceCollection services)
            {
                services.AddSingleton<RequestTracker>();
                services.AddSingleton<ITracker, InterfaceTracker>();
                services.AddSingleton(typeof(TypeOfTracker));
                services.AddSingleton(typeof(ITracker), typeof(TypeOfPairTracker));
                services.AddHostedService<Sweeper>();
                services.AddSingleton(new InstanceTracker());
                services.AddSingleton(typeof(GenericTracker<>));
                services.AddSingleton<DerivedTracker>();
                services.AddScoped<ScopedTracker>();
                services.AddTransient<TransientTracker>();
            }
        }
        """;

    [Fact]
    public Task Instance_fields_of_singletons_registered_in_another_file_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;
        using Microsoft.Extensions.Hosting;

        interface ITracker { }
        sealed class RequestTracker { private readonly ConcurrentDictionary<HttpContext, DateTime> [|_started = new()|]; }
        sealed class InterfaceTracker : ITracker { private readonly Dictionary<HttpRequest, int> [|_sizes = new()|]; }
        sealed class TypeOfTracker { private readonly List<HttpContext> [|_contexts = new()|]; }
        sealed class TypeOfPairTracker : ITracker { private readonly HashSet<HttpContext> [|_seen = new()|]; }
        sealed class InstanceTracker { private readonly Dictionary<int, HttpContext> [|_byId = new()|]; }
        sealed class GenericTracker<T> { private readonly Dictionary<HttpContext, T> [|_values = new()|]; }
        class BaseTracker { protected readonly Dictionary<HttpContext, string> [|Tags = new()|]; }
        sealed class DerivedTracker : BaseTracker { }

        sealed class Sweeper : BackgroundService
        {
            private readonly ConcurrentQueue<HttpContext> [|_queue = new()|];
            protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
        }

        sealed class ScopedTracker { private readonly Dictionary<HttpContext, DateTime> _started = new(); }
        sealed class TransientTracker { private readonly Dictionary<HttpContext, DateTime> _started = new(); }
        """, test => test.TestState.Sources.Add(("/0/Program.cs", Program)));

    [Fact]
    public Task Instance_fields_of_convention_middleware_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        public sealed class TimingMiddleware
        {
            private readonly RequestDelegate _next;
            private readonly ConcurrentDictionary<HttpContext, long> [|_started = new()|];

            public TimingMiddleware(RequestDelegate next) => _next = next;

            public async Task InvokeAsync(HttpContext context)
            {
                _started[context] = Environment.TickCount64;
                await _next(context);
                _started.TryRemove(context, out _);
            }
        }
        """);

    [Fact]
    public Task Singleton_and_middleware_holders_are_named_in_the_message() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;
        using Microsoft.Extensions.DependencyInjection;

        sealed class Holder { private readonly List<HttpContext> {|#0:_contexts = new()|}; }

        sealed class Middleware(RequestDelegate next)
        {
            private readonly Dictionary<HttpContext, int> {|#1:_counts = new()|};
            public Task InvokeAsync(HttpContext context) => next(context);
        }

        static class Registration
        {
            public static IServiceCollection Add(IServiceCollection services) => services.AddKeyedSingleton<Holder>("k");
        }
        """, test => test.ExpectedDiagnostics.AddRange(new[]
        {
            new DiagnosticResult(StaticRequestCollectionAnalyzer.Rule).WithLocation(0).WithArguments("Field of singleton 'Holder'", "_contexts", "HttpContext", "element"),
            new DiagnosticResult(StaticRequestCollectionAnalyzer.Rule).WithLocation(1).WithArguments("Field of middleware 'Middleware'", "_counts", "HttpContext", "key"),
        }));

    [Fact]
    public Task Configured_request_types_are_request_scoped() => VerifyAnalyzer.DiagnosticsAsync("""
        namespace Demo
        {
            public sealed class Session { }
            public interface IRequestState { }
            public sealed class CartState : IRequestState { }
            public sealed class Order { }

            static class Caches
            {
                public static readonly Dictionary<Session, int> [|Sessions = new()|];
                public static readonly List<CartState> [|Carts = new()|];
                public static readonly Dictionary<Order, int> Orders = new();
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.request_types = Demo.Session, Demo.IRequestState, Missing.Type");

    // ---- Never flagged --------------------------------------------------------------------

    [Fact]
    public Task Conditional_weak_tables_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class C
        {
            private static readonly ConditionalWeakTable<HttpContext, object> s_state = new();
            private static ConditionalWeakTable<HttpRequest, string> s_tags = new();
        }
        """);

    [Fact]
    public Task Collections_of_plain_data_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;

        record OrderDto(Guid Id, string Name);

        class C
        {
            private static readonly ConcurrentDictionary<string, OrderDto> s_byRequestId = new();
            private static readonly Dictionary<Guid, OrderDto> s_orders = new();
            private static readonly Dictionary<int, string> s_names = new();
            private static readonly HashSet<string> s_traceIds = new();
            private static readonly List<(Guid, DateTime)> s_log = new();
        }
        """);

    [Fact]
    public Task Handler_tables_weak_references_and_accessors_hold_no_request() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;

        class Routes
        {
            private static readonly Dictionary<string, Func<HttpContext, Task>> s_handlers = new();
            private static readonly Dictionary<string, RequestDelegate> s_endpoints = new();
            private static readonly List<WeakReference<HttpContext>> s_weak = new();
            private static readonly Lazy<HttpContext>[] s_lazy = Array.Empty<Lazy<HttpContext>>();
            private static HttpContext? s_last;
            private static readonly HttpContext[] s_slots = new HttpContext[4];
            private readonly IHttpContextAccessor _accessor = new HttpContextAccessor();
        }
        """);

    [Fact]
    public Task Immutable_collections_in_readonly_fields_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Immutable;
        using Microsoft.AspNetCore.Http;

        class C
        {
            private static readonly ImmutableDictionary<HttpContext, int> s_counts = ImmutableDictionary<HttpContext, int>.Empty;
            private static readonly ImmutableArray<HttpContext> s_none = ImmutableArray<HttpContext>.Empty;
        }
        """);

    [Fact]
    public Task Locals_and_HttpContext_Items_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections;
        using Microsoft.AspNetCore.Http;

        class C
        {
            public static void Handle(HttpContext context, IEnumerable<HttpContext> batch)
            {
                var byContext = new Dictionary<HttpContext, int>();
                foreach (var item in batch)
                {
                    byContext[item] = 1;
                }

                var table = new Hashtable();
                table.Add(context, 1);
                context.Items["started"] = DateTime.UtcNow;
                context.Items[typeof(C)] = byContext;
            }
        }
        """);

    [Fact]
    public Task Instance_fields_of_scoped_transient_unregistered_services_and_controllers_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.Extensions.DependencyInjection;

        sealed class ScopedTracker { private readonly Dictionary<HttpContext, DateTime> _started = new(); }
        sealed class TransientTracker { private readonly List<HttpContext> _contexts = new(); }
        sealed class Unregistered { private readonly List<HttpContext> _contexts = new(); }
        struct Value { private List<HttpContext> _contexts; }

        [ApiController]
        public sealed class OrdersController : ControllerBase
        {
            private readonly Dictionary<HttpContext, string> _audit = new();
        }

        static class Registration
        {
            public static void Add(IServiceCollection services)
            {
                services.AddScoped<ScopedTracker>();
                services.AddTransient<TransientTracker>();
                services.AddControllers();
            }
        }
        """);

    [Fact]
    public Task AddSingleton_methods_that_are_not_on_IServiceCollection_do_not_make_singletons() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;

        sealed class Tracker { private readonly List<HttpContext> _contexts = new(); }

        sealed class Container
        {
            public void AddSingleton<T>() { }
            public void AddHostedService(Type type) { }
        }

        static class Registration
        {
            public static void Add(Container container)
            {
                container.AddSingleton<Tracker>();
                container.AddHostedService(typeof(Tracker));
            }
        }
        """);

    [Fact]
    public Task Non_generic_collections_that_never_store_a_request_object_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections;
        using Microsoft.AspNetCore.Http;

        class Legacy
        {
            private static readonly Hashtable s_byTrace = new();
            private readonly Hashtable _instance = new();

            public void Begin(HttpContext context)
            {
                s_byTrace[context.TraceIdentifier] = DateTime.UtcNow;
                s_byTrace.Remove(context);
                _ = s_byTrace.Contains(context);
                _instance.Add(context, 1);
            }
        }
        """);

    [Fact]
    public Task Generated_code_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        // <auto-generated/>
        using Microsoft.AspNetCore.Http;

        class Generated
        {
            private static readonly Dictionary<HttpContext, int> s_map = new();
        }
        """);

    // ---- Entries removed when the request ends -------------------------------------------

    [Fact]
    public Task Private_collections_whose_every_store_is_followed_by_try_finally_removing_it_are_quiet() => VerifyAnalyzer.DiagnosticsAsync("""
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        static class Chat
        {
            private static readonly List<WebSocket> s_clients = new();
            private static readonly ConcurrentDictionary<string, HttpContext> s_byId = new();

            public static async Task JoinAsync(HttpContext context, WebSocket socket)
            {
                lock (s_clients)
                {
                    s_clients.Add(socket);
                }

                try
                {
                    s_byId[context.TraceIdentifier] = context;
                    try
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default);
                    }
                    finally
                    {
                        s_byId.TryRemove(context.TraceIdentifier, out _);
                    }
                }
                finally
                {
                    lock (s_clients)
                    {
                        s_clients.Remove(socket);
                    }
                }
            }

            public static int Count() => s_clients.Count + s_byId.Count;
        }
        """);

    [Theory]
    [InlineData("s_seen.Add(c); Console.WriteLine(); s_seen.Remove(c);")]
    [InlineData("s_seen.Add(c); try { Console.WriteLine(); } finally { s_seen.Remove(d); }")]
    [InlineData("s_seen.Add(c); try { Console.WriteLine(); } finally { s_other.Remove(c); }")]
    [InlineData("s_seen.Add(c); Console.WriteLine(); try { } finally { s_seen.Remove(c); }")]
    [InlineData("try { s_seen.Add(c); } finally { s_seen.Remove(c); }")]
    public Task Stores_not_removed_by_the_finally_that_follows_them_are_reported(string body)
    {
        var source = $$"""
            using System.Runtime.CompilerServices;
            using Microsoft.AspNetCore.Http;

            static class C
            {
                private static readonly HashSet<HttpContext> [|s_seen = new()|];
                private static readonly ConditionalWeakTable<HttpContext, object> s_other = new();

                static void M(HttpContext c, HttpContext d)
                {
                    {{body}}
                }

                static void Use(object value) { }
            }
            """;
        return VerifyAnalyzer.DiagnosticsAsync(source);
    }

    [Theory]
    [InlineData("s_seen.Add(c); try { } finally { s_seen.Remove(c); } s_seen.UnionWith(new[] { c });")]
    [InlineData("s_seen.Add(c); try { } finally { s_seen.Remove(c); } Use(s_seen);")]
    public Task Fields_stored_into_by_other_means_are_reported(string body)
    {
        var source = $$"""
            using System.Runtime.CompilerServices;
            using Microsoft.AspNetCore.Http;

            static class C
            {
                private static readonly HashSet<HttpContext> [|s_seen = new()|];
                private static readonly ConditionalWeakTable<HttpContext, object> s_other = new();

                static void M(HttpContext c, HttpContext d)
                {
                    {{body}}
                }

                static void Use(object value) { }
            }
            """;
        return VerifyAnalyzer.DiagnosticsAsync(source);
    }

    [Theory]
    [InlineData("if (s_seen.Add(c)) { } try { } finally { s_seen.Remove(c); }")]
    public Task Stores_whose_result_is_tested_are_reported(string body)
    {
        var source = $$"""
            using System.Runtime.CompilerServices;
            using Microsoft.AspNetCore.Http;

            static class C
            {
                private static readonly HashSet<HttpContext> [|s_seen = new()|];
                private static readonly ConditionalWeakTable<HttpContext, object> s_other = new();

                static void M(HttpContext c, HttpContext d)
                {
                    {{body}}
                }

                static void Use(object value) { }
            }
            """;
        return VerifyAnalyzer.DiagnosticsAsync(source);
    }

    [Theory]
    [InlineData("s_list = new()", "s_list.Insert(0, c); try { Console.WriteLine(); } finally { s_list.Remove(c); }")]
    [InlineData("s_list = new()", "s_list.Insert(index: 0, item: c); try { } finally { s_list.Remove(c); }")]
    [InlineData("[|s_list = new()|]", "s_list.Insert(0, c); Console.WriteLine();")]
    [InlineData("[|s_list = new()|]", "s_list.Insert(0, c); try { } finally { s_list.Remove(d); }")]
    public Task Insert_is_a_store_whose_entry_is_the_item(string field, string body)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            static class C
            {
                private static readonly List<HttpContext> {{field}};

                static void M(HttpContext c, HttpContext d)
                {
                    {{body}}
                }
            }
            """;
        return VerifyAnalyzer.DiagnosticsAsync(source);
    }

    [Fact]
    public Task InsertRange_is_not_a_store_a_finally_can_undo() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;

        static class C
        {
            private static readonly List<HttpContext> [|s_list = new()|];

            static void M(HttpContext c)
            {
                s_list.InsertRange(0, new[] { c });
                try { } finally { s_list.Remove(c); }
            }
        }
        """);

    [Fact]
    public Task Only_private_fields_of_types_without_nested_types_are_judged_by_their_uses() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Http;

        static class C
        {
            internal static readonly HashSet<HttpContext> [|Seen = new()|];

            static void M(HttpContext c)
            {
                Seen.Add(c);
                try { } finally { Seen.Remove(c); }
            }
        }

        static class D
        {
            private static readonly HashSet<HttpContext> [|s_seen = new()|];

            static void M(HttpContext c)
            {
                s_seen.Add(c);
                try { } finally { s_seen.Remove(c); }
            }

            static class Nested
            {
            }
        }
        """);

    // ---- Broken code --------------------------------------------------------------------

    [Theory]
    [InlineData("static Dictionary<Microsoft.AspNetCore.Http.HttpContext, Missing> s_map = new();")]
    [InlineData("static Dictionary<Microsoft.AspNetCore.Http.HttpContext, int> s_map = new(")]
    [InlineData("static Dictionary<Microsoft.AspNetCore.Http.HttpContext s_map;")]
    [InlineData("static Missing<Microsoft.AspNetCore.Http.HttpContext> s_map = new();")]
    [InlineData("static System.Collections.Hashtable s_table = new(); void M(Microsoft.AspNetCore.Http.HttpContext c) { s_table.Add(c, ); s_table[c] = ; s_table.Missing(c); }")]
    [InlineData("List<Microsoft.AspNetCore.Http.HttpContext> _list = new(); C(Microsoft.AspNetCore.Http.RequestDelegate) { }")]
    [InlineData("List<Microsoft.AspNetCore.Http.HttpContext> _list = new(); void M(Microsoft.Extensions.DependencyInjection.IServiceCollection s) { s.AddSingleton<C>(; s.AddSingleton<Missing>(); s.AddSingleton(typeof()); }")]
    public async Task Incomplete_code_never_throws(string members)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.StaticRequestCollectionAnalyzer>("class C { " + members + " }");
    }
}
