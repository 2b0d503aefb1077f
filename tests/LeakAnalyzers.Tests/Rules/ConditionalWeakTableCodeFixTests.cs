using Microsoft.CodeAnalysis.Testing;
using Xunit;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.StaticRequestCollectionAnalyzer, LeakAnalyzers.CodeFixes.RequestState.ConditionalWeakTableCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class ConditionalWeakTableCodeFixTests
{
    [Fact]
    public Task Dictionary_keyed_by_HttpContext_becomes_a_weak_table() => VerifyFix.CodeFixAsync("""
        using System.Diagnostics;
        using Microsoft.AspNetCore.Http;

        static class RequestTimers
        {
            private static readonly Dictionary<HttpContext, Stopwatch> [|s_timers = new Dictionary<HttpContext, Stopwatch>()|];

            public static void Start(HttpContext context) => s_timers[context] = Stopwatch.StartNew();

            public static TimeSpan? Stop(HttpContext context)
            {
                if (!s_timers.ContainsKey(context) || !s_timers.TryGetValue(context, out var timer))
                {
                    return null;
                }

                RequestTimers.s_timers.Remove(context);
                return timer.Elapsed;
            }
        }
        """, """
        using System.Diagnostics;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        static class RequestTimers
        {
            private static readonly ConditionalWeakTable<HttpContext, Stopwatch> s_timers = new ConditionalWeakTable<HttpContext, Stopwatch>();

            public static void Start(HttpContext context) => s_timers.AddOrUpdate(context, Stopwatch.StartNew());

            public static TimeSpan? Stop(HttpContext context)
            {
                if (!s_timers.TryGetValue(context, out _) || !s_timers.TryGetValue(context, out var timer))
                {
                    return null;
                }

                RequestTimers.s_timers.Remove(context);
                return timer.Elapsed;
            }
        }
        """);

    private const string Tracker = """
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        internal static class Tracker
        {
            internal static readonly ConcurrentDictionary<HttpContext, RequestState> [|States = new()|];
            internal static Dictionary<HttpRequest, string> [|Tags = []|];
            internal static readonly Dictionary<HttpContext, int> {|LEAK007:Counts = new()|};
        }

        internal sealed class RequestState
        {
            public DateTime Started { get; } = DateTime.UtcNow;
        }
        """;

    private const string FixedTracker = """
        using System.Collections.Concurrent;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        internal static class Tracker
        {
            internal static readonly ConditionalWeakTable<HttpContext, RequestState> States = new();
            internal static ConditionalWeakTable<HttpRequest, string> Tags = new();
            internal static readonly ConditionalWeakTable<HttpContext, StrongBox<int>> Counts = new();
        }

        internal sealed class RequestState
        {
            public DateTime Started { get; } = DateTime.UtcNow;
        }
        """;

    [Fact]
    public Task Fix_and_Fix_All_rewrite_uses_in_every_document() => VerifyFix.CodeFixAsync(Tracker, FixedTracker, test =>
        {
            test.TestState.Sources.Add(("/0/Middleware.cs", """
            using Microsoft.AspNetCore.Http;

            sealed class TrackingMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var state = Tracker.States.GetOrAdd(context, _ => new RequestState());
                    Tracker.States.TryAdd(context, state);
                    Tracker.Tags.Add(context.Request, context.TraceIdentifier);
                    Tracker.Counts[context] = 1;
                    await next(context);
                    Tracker.States.TryRemove(context, out _);
                    Tracker.Tags.Remove(context.Request, out _);
                }
            }
            """));
            test.FixedState.Sources.Add(("/0/Middleware.cs", """
            using System.Runtime.CompilerServices;
            using Microsoft.AspNetCore.Http;

            sealed class TrackingMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var state = Tracker.States.GetValue(context, _ => new RequestState());
                    Tracker.States.TryAdd(context, state);
                    Tracker.Tags.Add(context.Request, context.TraceIdentifier);
                    Tracker.Counts.AddOrUpdate(context, new StrongBox<int>(1));
                    await next(context);
                    Tracker.States.Remove(context);
                    Tracker.Tags.Remove(context.Request);
                }
            }
            """));
            test.TestState.Sources.Add(("/0/Health.cs", """
            using Microsoft.AspNetCore.Http;

            static class Health
            {
                public static RequestState Ping(HttpContext context)
                {
                    Tracker.Tags.Clear();
                    _ = Tracker.Counts.Count;
                    return Tracker.States.GetOrAdd(context, Create);
                }

                private static RequestState Create(HttpContext context) => new();
            }
            """));
            test.FixedState.Sources.Add(("/0/Health.cs", """
            using Microsoft.AspNetCore.Http;

            static class Health
            {
                public static RequestState Ping(HttpContext context)
                {
                    Tracker.Tags.Clear();
                    _ = Tracker.Counts.Count();
                    return Tracker.States.GetValue(context, Create);
                }

                private static RequestState Create(HttpContext context) => new();
            }
            """));
        });

    [Fact]
    public Task Instance_fields_of_middleware_are_fixed_through_this() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        public sealed class AuditMiddleware
        {
            private readonly RequestDelegate _next;
            private readonly IDictionary<HttpContext, string> [|_users = new Dictionary<HttpContext, string>()|];

            public AuditMiddleware(RequestDelegate next) => _next = next;

            public async Task InvokeAsync(HttpContext context)
            {
                this._users[context] = context.User.Identity?.Name ?? "anonymous";
                await _next(context);
                _users.Remove(context);
            }
        }
        """, """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        public sealed class AuditMiddleware
        {
            private readonly RequestDelegate _next;
            private readonly ConditionalWeakTable<HttpContext, string> _users = new ConditionalWeakTable<HttpContext, string>();

            public AuditMiddleware(RequestDelegate next) => _next = next;

            public async Task InvokeAsync(HttpContext context)
            {
                this._users.AddOrUpdate(context, context.User.Identity?.Name ?? "anonymous");
                await _next(context);
                _users.Remove(context);
            }
        }
        """);

    [Fact]
    public Task AddOrUpdate_that_overwrites_with_the_added_value_becomes_the_two_argument_form() => VerifyFix.CodeFixAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        class Users
        {
            private static readonly ConcurrentDictionary<HttpContext, string> [|s_names = new()|];

            public static void Set(HttpContext context, string name)
            {
                s_names.AddOrUpdate(context, name, (_, _) => name);
                s_names.AddOrUpdate(context, "anonymous", static (key, old) => "anonymous");
            }
        }
        """, """
        using System.Collections.Concurrent;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Users
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_names = new();

            public static void Set(HttpContext context, string name)
            {
                s_names.AddOrUpdate(context, name);
                s_names.AddOrUpdate(context, "anonymous");
            }
        }
        """);

    [Fact]
    public Task Lock_on_the_collection_moves_to_a_gate_and_every_use_is_rewritten() => VerifyFix.CodeFixAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        sealed class Sessions
        {
            private static readonly Dictionary<HttpContext, Session> [|Items = new()|];
            private static readonly ConcurrentDictionary<HttpContext, Session> [|s_pending = new()|];

            public static Session Get(HttpContext context)
            {
                lock (Items)
                {
                    if (!Items.ContainsKey(context))
                    {
                        Items[context] = new Session();
                    }

                    return Items[context];
                }
            }

            public static int Active()
            {
                lock (Items)
                {
                    var count = 0;
                    foreach (var pair in Items)
                    {
                        count++;
                    }

                    return count + Items.Count(pair => pair.Value.Open);
                }
            }

            public static Session Start(HttpContext context, Session session) => s_pending.GetOrAdd(context, session);

            public static bool End(HttpContext context)
            {
                s_pending.TryRemove(context, out var session);
                session?.Close();
                if (s_pending.TryRemove(context, out var again))
                {
                    again.Close();
                }

                return Items.Remove(context, out _);
            }
        }

        sealed class Session
        {
            public bool Open { get; private set; } = true;

            public void Close() => Open = false;
        }
        """, """
        using System.Collections.Concurrent;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        sealed class Sessions
        {
            private static readonly ConditionalWeakTable<HttpContext, Session> Items = new();
            private static readonly object ItemsGate = new();
            private static readonly ConditionalWeakTable<HttpContext, Session> s_pending = new();

            public static Session Get(HttpContext context)
            {
                lock (ItemsGate)
                {
                    if (!Items.TryGetValue(context, out _))
                    {
                        Items.AddOrUpdate(context, new Session());
                    }

                    return Items.GetValue(context, _ => throw new KeyNotFoundException());
                }
            }

            public static int Active()
            {
                lock (ItemsGate)
                {
                    var count = 0;
                    foreach (var pair in Items)
                    {
                        count++;
                    }

                    return count + Items.Count(pair => pair.Value.Open);
                }
            }

            public static Session Start(HttpContext context, Session session) => s_pending.GetValue(context, _ => session);

            public static bool End(HttpContext context)
            {
                if (s_pending.TryGetValue(context, out var session))
                {
                    s_pending.Remove(context);
                }
                session?.Close();
                if (s_pending.TryGetValue(context, out var again) && s_pending.Remove(context))
                {
                    again.Close();
                }

                return Items.Remove(context);
            }
        }

        sealed class Session
        {
            public bool Open { get; private set; } = true;

            public void Close() => Open = false;
        }
        """);

    // ---- Shapes the weak table takes once the declaration or the uses are adapted ----------

    [Fact]
    public Task Fields_declared_together_get_a_declaration_each() => VerifyFix.CodeFixAsync("""
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            // Who is connected.
            internal static readonly Dictionary<WebSocket, string> [|Sockets = new()|], [|Names = new()|], [|Rooms = new()|];

            public static void Join(WebSocket socket, string name)
            {
                Sockets[socket] = name;
                Names[socket] = name;
                Rooms[socket] = "lobby";
            }
        }
        """, """
        using System.Net.WebSockets;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            // Who is connected.
            internal static readonly ConditionalWeakTable<WebSocket, string> Sockets = new();
            internal static readonly ConditionalWeakTable<WebSocket, string> Names = new();
            internal static readonly ConditionalWeakTable<WebSocket, string> Rooms = new();

            public static void Join(WebSocket socket, string name)
            {
                Sockets.AddOrUpdate(socket, name);
                Names.AddOrUpdate(socket, name);
                Rooms.AddOrUpdate(socket, "lobby");
            }
        }
        """);

    [Fact]
    public Task A_field_declared_first_keeps_its_place_when_split() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            private static readonly Dictionary<HttpContext, string> [|s_first = new()|], [|s_second = new()|];

            public static void Track(HttpContext context) => s_second[context] = context.TraceIdentifier;
        }
        """, """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_first = new();
            private static readonly ConditionalWeakTable<HttpContext, string> s_second = new();

            public static void Track(HttpContext context) => s_second.AddOrUpdate(context, context.TraceIdentifier);
        }
        """);

    [Fact]
    public Task Maps_only_declared_read_or_reset_change_type_alone() => VerifyFix.CodeFixAsync("""
        using System.Net.Http;
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            private static readonly IReadOnlyDictionary<HttpRequestMessage, string> [|s_sent = new Dictionary<HttpRequestMessage, string>()|];
            private static readonly Dictionary<HttpContext, string> [|s_unset|];
            private static Dictionary<HttpContext, string> [|s_sized = new(16)|];
            private static readonly Dictionary<HttpContext, string> [|s_byReference = new Dictionary<HttpContext, string>(ReferenceEqualityComparer.Instance)|];

            public static bool Sent(HttpRequestMessage request) => s_sent.ContainsKey(request) || s_sent.TryGetValue(request, out _);

            public static void Reset()
            {
                s_sized = new Dictionary<HttpContext, string>(32);
                s_sized = new();
            }
        }
        """, """
        using System.Net.Http;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Tracking
        {
            private static readonly ConditionalWeakTable<HttpRequestMessage, string> s_sent = new ConditionalWeakTable<HttpRequestMessage, string>();
            private static readonly ConditionalWeakTable<HttpContext, string> s_unset;
            private static ConditionalWeakTable<HttpContext, string> s_sized = new();
            private static readonly ConditionalWeakTable<HttpContext, string> s_byReference = new ConditionalWeakTable<HttpContext, string>();

            public static bool Sent(HttpRequestMessage request) => s_sent.TryGetValue(request, out _) || s_sent.TryGetValue(request, out _);

            public static void Reset()
            {
                s_sized = new ConditionalWeakTable<HttpContext, string>();
                s_sized = new();
            }
        }
        """, test => test.CompilerDiagnostics = CompilerDiagnostics.Errors);

    [Fact]
    public Task Counts_keys_values_and_in_place_updates_are_rewritten() => VerifyFix.CodeFixAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        class Stats
        {
            private static readonly Dictionary<HttpContext, string> [|s_users = new()|];
            private static readonly Dictionary<HttpContext, int> [|s_hits = new()|];
            private static readonly ConcurrentDictionary<HttpContext, string> [|s_tags = new()|];
            private static readonly Func<HttpContext, string> s_describe = context => context.TraceIdentifier;

            public static int Active() => s_users.Count + s_hits.Count;

            public static IEnumerable<string> Users(HttpContext context)
            {
                s_hits[context]++;
                s_hits[context] += 2;
                s_users[context] += "!";
                s_users?.Remove(context);
                s_users.TryGetValue(value: out var name, key: context);
                foreach (var user in s_users.Keys)
                {
                    _ = user;
                }

                s_tags.AddOrUpdate(context, "first", (_, existing) => existing);
                _ = s_tags.GetOrAdd(context, s_describe);
                return s_users.Values.Where(value => value.Length > 0).Concat(s_tags.Values);
            }
        }
        """, """
        using System.Collections.Concurrent;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Stats
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_users = new();
            private static readonly ConditionalWeakTable<HttpContext, StrongBox<int>> s_hits = new();
            private static readonly ConditionalWeakTable<HttpContext, string> s_tags = new();
            private static readonly Func<HttpContext, string> s_describe = context => context.TraceIdentifier;

            public static int Active() => s_users.Count() + s_hits.Count();

            public static IEnumerable<string> Users(HttpContext context)
            {
                s_hits.GetValue(context, _ => throw new KeyNotFoundException()).Value++;
                s_hits.GetValue(context, _ => throw new KeyNotFoundException()).Value += 2;
                s_users.AddOrUpdate(context, s_users.GetValue(context, _ => throw new KeyNotFoundException()) + "!");
                s_users?.Remove(context);
                s_users.TryGetValue(value: out var name, key: context);
                foreach (var user in s_users.Select(pair => pair.Key))
                {
                    _ = user;
                }

                s_tags.TryAdd(context, "first");
                _ = s_tags.GetValue(context, s_describe.Invoke);
                return s_users.Select(pair => pair.Value).Where(value => value.Length > 0).Concat(s_tags.Select(pair => pair.Value));
            }
        }
        """);

    [Fact]
    public Task Initial_entries_defaults_and_boxed_reads_are_rewritten() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        class Stats
        {
            private static readonly Dictionary<HttpContext, string> [|s_users = new() { [new DefaultHttpContext()] = "probe" }|];
            private static readonly Dictionary<HttpContext, int> [|s_hits = new()|];
            private static readonly Dictionary<HttpRequest, string> [|s_tags = new Dictionary<HttpRequest, string> { { new DefaultHttpContext().Request, "probe" } }|];

            public static string Describe(HttpContext context)
            {
                s_hits.TryGetValue(context, out var hits);
                var total = 0;
                foreach (var pair in s_hits)
                {
                    total += pair.Value;
                    _ = pair.Key;
                }

                var user = s_users.GetValueOrDefault(context);
                return user + s_users.GetValueOrDefault(context, "anonymous") + s_tags.GetValueOrDefault(context.Request) + hits + total;
            }
        }
        """, """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Stats
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_users = new() { { new DefaultHttpContext(), "probe" } };
            private static readonly ConditionalWeakTable<HttpContext, StrongBox<int>> s_hits = new();
            private static readonly ConditionalWeakTable<HttpRequest, string> s_tags = new ConditionalWeakTable<HttpRequest, string>() { { new DefaultHttpContext().Request, "probe" } };

            public static string Describe(HttpContext context)
            {
                var hits = s_hits.TryGetValue(context, out var hitsBox) ? hitsBox.Value : default;
                var total = 0;
                foreach (var pair in s_hits)
                {
                    total += pair.Value.Value;
                    _ = pair.Key;
                }

                var user = s_users.TryGetValue(context, out var usersValue) ? usersValue : default;
                return user + (s_users.TryGetValue(context, out var usersValue2) ? usersValue2 : "anonymous") + (s_tags.TryGetValue(context.Request, out var tagsValue) ? tagsValue : default) + hits + total;
            }
        }
        """);

    [Fact]
    public Task Boxed_values_found_by_TryGetValue_are_read_from_the_box() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        static class Timing
        {
            private static readonly Dictionary<HttpContext, DateTime> [|s_started = new()|];

            public static void Start(HttpContext context) => s_started[context] = DateTime.UtcNow;

            public static TimeSpan Elapsed(HttpContext context)
            {
                if (s_started.TryGetValue(context, out DateTime started))
                {
                    var startedBox = started;
                    return DateTime.UtcNow - startedBox;
                }

                return TimeSpan.Zero;
            }
        }
        """, """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        static class Timing
        {
            private static readonly ConditionalWeakTable<HttpContext, StrongBox<DateTime>> s_started = new();

            public static void Start(HttpContext context) => s_started.AddOrUpdate(context, new StrongBox<DateTime>(DateTime.UtcNow));

            public static TimeSpan Elapsed(HttpContext context)
            {
                if (s_started.TryGetValue(context, out var startedBox2))
                {
                    var startedBox = startedBox2.Value;
                    return DateTime.UtcNow - startedBox;
                }

                return TimeSpan.Zero;
            }
        }
        """);

    [Fact]
    public Task Stores_whose_value_is_used_become_statements() => VerifyFix.CodeFixAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        static class Users
        {
            private static readonly ConcurrentDictionary<HttpContext, string> [|s_names = new()|];

            public static string Set(HttpContext context, string name) => s_names.AddOrUpdate(context, name, (_, _) => name);

            public static string Rename(HttpContext context, string name)
            {
                _ = s_names[context] = name;
                return s_names[context] = name;
            }
        }
        """, """
        using System.Collections.Concurrent;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        static class Users
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_names = new();

            public static string Set(HttpContext context, string name)
            {
                s_names.AddOrUpdate(context, name);
                return name;
            }

            public static string Rename(HttpContext context, string name)
            {
                s_names.AddOrUpdate(context, name);
                s_names.AddOrUpdate(context, name);
                return name;
            }
        }
        """);

    [Fact]
    public Task Counting_entries_imports_System_Linq_when_the_file_does_not() => VerifyFix.CodeFixAsync("""
        using System;
        using System.Collections.Generic;
        using Microsoft.AspNetCore.Http;

        class Stats
        {
            private static readonly Dictionary<HttpContext, string> [|s_users = new Dictionary<HttpContext, string>()|];

            public static int Active() => s_users.Count;
        }
        """, """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        class Stats
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_users = new ConditionalWeakTable<HttpContext, string>();

            public static int Active() => s_users.Count();
        }
        """, test => test.LanguageVersion = Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp9);

    [Fact]
    public Task Public_fields_of_an_application_are_rewritten_with_every_use() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        Console.WriteLine(Tracking.Users.Count());

        public static class Tracking
        {
            public static readonly Dictionary<HttpContext, string> [|Users = new()|];

            public static void Track(HttpContext context) => Users[context] = context.TraceIdentifier;
        }
        """, """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        Console.WriteLine(Tracking.Users.Count());

        public static class Tracking
        {
            public static readonly ConditionalWeakTable<HttpContext, string> Users = new();

            public static void Track(HttpContext context) => Users.AddOrUpdate(context, context.TraceIdentifier);
        }
        """, test => test.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);

    // ---- Remove when the request ends ----------------------------------------------------

    [Fact]
    public Task Connected_websockets_are_removed_when_the_request_ends() => VerifyFix.CodeFixAsync("""
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        static class Chat
        {
            private static readonly List<WebSocket> [|s_clients = new()|];

            public static async Task JoinAsync(HttpContext context)
            {
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                lock (s_clients)
                {
                    s_clients.Add(socket);
                }

                // Echo until the client leaves.
                var buffer = new byte[1024];
                while (socket.State == WebSocketState.Open)
                {
                    await socket.ReceiveAsync(buffer, context.RequestAborted);
                }

                lock (s_clients)
                {
                    s_clients.Remove(socket);
                }
            }

            public static int Count()
            {
                lock (s_clients)
                {
                    return s_clients.Count;
                }
            }
        }
        """, """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        static class Chat
        {
            private static readonly List<WebSocket> s_clients = new();

            public static async Task JoinAsync(HttpContext context)
            {
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                lock (s_clients)
                {
                    s_clients.Add(socket);
                }

                try
                {
                    // Echo until the client leaves.
                    var buffer = new byte[1024];
                    while (socket.State == WebSocketState.Open)
                    {
                        await socket.ReceiveAsync(buffer, context.RequestAborted);
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

            public static int Count()
            {
                lock (s_clients)
                {
                    return s_clients.Count;
                }
            }
        }
        """);

    [Fact]
    public Task A_store_in_a_lock_body_is_removed_after_the_rest_of_the_method_under_the_same_lock() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        static class LongPoll
        {
            private static readonly object s_gate = new();
            private static readonly List<HttpContext> [|s_waiting = new()|];
            private static readonly Dictionary<string, TaskCompletionSource<string>> s_pending = new();

            public static async Task<string> PollAsync(HttpContext context)
            {
                var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (s_gate)
                {
                    s_waiting.Add(context);
                    s_pending.Add(context.TraceIdentifier, ready);
                }

                // Wait for a message.
                var message = await ready.Task;
                lock (s_gate)
                {
                    s_pending.Remove(context.TraceIdentifier);
                }

                return message;
            }
        }
        """, """
        using Microsoft.AspNetCore.Http;

        static class LongPoll
        {
            private static readonly object s_gate = new();
            private static readonly List<HttpContext> s_waiting = new();
            private static readonly Dictionary<string, TaskCompletionSource<string>> s_pending = new();

            public static async Task<string> PollAsync(HttpContext context)
            {
                var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (s_gate)
                {
                    s_waiting.Add(context);
                    s_pending.Add(context.TraceIdentifier, ready);
                }

                try
                {
                    // Wait for a message.
                    var message = await ready.Task;
                    lock (s_gate)
                    {
                        s_pending.Remove(context.TraceIdentifier);
                    }

                    return message;
                }
                finally
                {
                    lock (s_gate)
                    {
                        s_waiting.Remove(context);
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Active_requests_and_sockets_by_id_are_removed_when_the_request_ends() => VerifyFix.CodeFixAsync("""
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;
        using Microsoft.Extensions.DependencyInjection;

        public sealed class Hub
        {
            private readonly ConcurrentDictionary<string, WebSocket> [|_sockets = new()|];
            private readonly HashSet<HttpContext> [|_active = new()|];

            public async Task ServeAsync(HttpContext context, WebSocket socket)
            {
                _sockets.TryAdd(context.TraceIdentifier, socket);
                _active.Add(context);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
            }

            public void Broadcast()
            {
                foreach (var socket in _sockets.Values)
                {
                    _ = socket.State;
                }
            }
        }

        public static class Registration
        {
            public static void Register(IServiceCollection services) => services.AddSingleton<Hub>();
        }
        """, """
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;
        using Microsoft.Extensions.DependencyInjection;

        public sealed class Hub
        {
            private readonly ConcurrentDictionary<string, WebSocket> _sockets = new();
            private readonly HashSet<HttpContext> _active = new();

            public async Task ServeAsync(HttpContext context, WebSocket socket)
            {
                _sockets.TryAdd(context.TraceIdentifier, socket);
                try
                {
                    _active.Add(context);
                    try
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    }
                    finally
                    {
                        _active.Remove(context);
                    }
                }
                finally
                {
                    _sockets.TryRemove(context.TraceIdentifier, out _);
                }
            }

            public void Broadcast()
            {
                foreach (var socket in _sockets.Values)
                {
                    _ = socket.State;
                }
            }
        }

        public static class Registration
        {
            public static void Register(IServiceCollection services) => services.AddSingleton<Hub>();
        }
        """);

    [Fact]
    public Task Minimal_api_lambdas_remove_what_they_store() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;

        static class Endpoints
        {
            private static readonly Dictionary<int, HttpContext> [|s_byId = new()|];

            public static void Map(WebApplication app)
            {
                app.MapGet("/slow/{id}", async (int id, HttpContext context) =>
                {
                    s_byId[id] = context;
                    await Task.Delay(100);
                    return Results.Ok();
                });
            }
        }
        """, """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;

        static class Endpoints
        {
            private static readonly Dictionary<int, HttpContext> s_byId = new();

            public static void Map(WebApplication app)
            {
                app.MapGet("/slow/{id}", async (int id, HttpContext context) =>
                {
                    s_byId[id] = context;
                    try
                    {
                        await Task.Delay(100);
                        return Results.Ok();
                    }
                    finally
                    {
                        s_byId.Remove(id);
                    }
                });
            }
        }
        """);

    [Fact]
    public Task Stores_in_branches_and_loops_are_removed_when_their_block_ends() => VerifyFix.CodeFixAsync("""
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        static class Hub
        {
            private static readonly List<WebSocket> [|s_sockets = new()|];
            private static readonly HashSet<HttpContext> [|s_secure = new()|];

            public static async Task ServeAsync(HttpContext context, IReadOnlyList<WebSocket> sockets)
            {
                if (context.Request.IsHttps)
                {
                    s_secure.Add(context);
                    await context.Response.WriteAsync("secure");
                }

                foreach (var socket in sockets)
                {
                    s_sockets.Insert(0, socket);
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                }
            }
        }
        """, """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;

        static class Hub
        {
            private static readonly List<WebSocket> s_sockets = new();
            private static readonly HashSet<HttpContext> s_secure = new();

            public static async Task ServeAsync(HttpContext context, IReadOnlyList<WebSocket> sockets)
            {
                if (context.Request.IsHttps)
                {
                    s_secure.Add(context);
                    try
                    {
                        await context.Response.WriteAsync("secure");
                    }
                    finally
                    {
                        s_secure.Remove(context);
                    }
                }

                foreach (var socket in sockets)
                {
                    s_sockets.Insert(0, socket);
                    try
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    }
                    finally
                    {
                        s_sockets.Remove(socket);
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Each_store_of_a_block_gets_its_own_finally_and_local_functions_stay_outside() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        static class Pending
        {
            private static readonly List<HttpRequest> [|s_requests = new()|];

            public static async Task HandleAsync(HttpContext context, HttpRequest retried)
            {
                s_requests.Add(context.Request);
                await LogAsync();
                s_requests.Add(retried);
                await context.Response.WriteAsync("done");

                Task LogAsync() => context.Response.WriteAsync("started");
            }
        }
        """, """
        using Microsoft.AspNetCore.Http;

        static class Pending
        {
            private static readonly List<HttpRequest> s_requests = new();

            public static async Task HandleAsync(HttpContext context, HttpRequest retried)
            {
                s_requests.Add(context.Request);
                try
                {
                    await LogAsync();
                    s_requests.Add(retried);
                    try
                    {
                        await context.Response.WriteAsync("done");
                    }
                    finally
                    {
                        s_requests.Remove(retried);
                    }
                }
                finally
                {
                    s_requests.Remove(context.Request);
                }

                Task LogAsync() => context.Response.WriteAsync("started");
            }
        }
        """);

    [Fact]
    public Task Local_functions_between_statements_follow_the_try() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        static class Pending
        {
            private static readonly HashSet<HttpContext> [|s_active = new()|];

            public static void Handle(HttpContext context)
            {
                s_active.Add(context);
                Log("start");
                void Log(string message) => Console.WriteLine(message + context.TraceIdentifier);
                Log("end");
            }
        }
        """, """
        using Microsoft.AspNetCore.Http;

        static class Pending
        {
            private static readonly HashSet<HttpContext> s_active = new();

            public static void Handle(HttpContext context)
            {
                s_active.Add(context);
                try
                {
                    Log("start");
                    Log("end");
                }
                finally
                {
                    s_active.Remove(context);
                }

                void Log(string message) => Console.WriteLine(message + context.TraceIdentifier);
            }
        }
        """);

    [Fact]
    public Task A_store_inside_the_try_moves_in_front_of_it() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        sealed class ActiveRequests(RequestDelegate next)
        {
            private readonly HashSet<HttpContext> [|_active = new()|];

            public async Task InvokeAsync(HttpContext context)
            {
                try
                {
                    lock (_active)
                    {
                        _active.Add(context);
                    }

                    await next(context);
                }
                finally
                {
                    lock (_active)
                    {
                        _active.Remove(context);
                    }
                }
            }
        }
        """, """
        using Microsoft.AspNetCore.Http;

        sealed class ActiveRequests(RequestDelegate next)
        {
            private readonly HashSet<HttpContext> _active = new();

            public async Task InvokeAsync(HttpContext context)
            {
                lock (_active)
                {
                    _active.Add(context);
                }

                try
                {
                    await next(context);
                }
                finally
                {
                    lock (_active)
                    {
                        _active.Remove(context);
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Value_type_values_are_held_in_a_strong_box() => VerifyFix.CodeFixAsync("""
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Http;

        static class Timing
        {
            private static readonly Dictionary<HttpContext, DateTime> [|s_started = new()|];
            private static readonly ConcurrentDictionary<HttpContext, int> [|s_hits = new()|];

            public static void Start(HttpContext context)
            {
                s_started[context] = DateTime.UtcNow;
                s_hits.TryAdd(context, 1);
            }

            public static TimeSpan Stop(HttpContext context)
            {
                var elapsed = DateTime.UtcNow - s_started[context];
                s_started.Remove(context);
                return s_hits.ContainsKey(context) ? elapsed : TimeSpan.Zero;
            }
        }
        """, """
        using System.Collections.Concurrent;
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        static class Timing
        {
            private static readonly ConditionalWeakTable<HttpContext, StrongBox<DateTime>> s_started = new();
            private static readonly ConditionalWeakTable<HttpContext, StrongBox<int>> s_hits = new();

            public static void Start(HttpContext context)
            {
                s_started.AddOrUpdate(context, new StrongBox<DateTime>(DateTime.UtcNow));
                s_hits.TryAdd(context, new StrongBox<int>(1));
            }

            public static TimeSpan Stop(HttpContext context)
            {
                var elapsed = DateTime.UtcNow - s_started.GetValue(context, _ => throw new KeyNotFoundException()).Value;
                s_started.Remove(context);
                return s_hits.TryGetValue(context, out _) ? elapsed : TimeSpan.Zero;
            }
        }
        """);

    [Fact]
    public Task Fix_All_takes_the_weak_table_where_it_applies_and_removes_entries_elsewhere() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Http;

        sealed class RequestLog
        {
            private static readonly Dictionary<HttpContext, string> [|s_users = new()|];
            private static readonly List<HttpContext> [|s_active = new()|];

            public static async Task HandleAsync(HttpContext context, RequestDelegate next)
            {
                s_users[context] = context.User.Identity?.Name ?? "anonymous";
                s_active.Add(context);
                await next(context);
            }
        }
        """, """
        using System.Runtime.CompilerServices;
        using Microsoft.AspNetCore.Http;

        sealed class RequestLog
        {
            private static readonly ConditionalWeakTable<HttpContext, string> s_users = new();
            private static readonly List<HttpContext> s_active = new();

            public static async Task HandleAsync(HttpContext context, RequestDelegate next)
            {
                s_users.AddOrUpdate(context, context.User.Identity?.Name ?? "anonymous");
                s_active.Add(context);
                try
                {
                    await next(context);
                }
                finally
                {
                    s_active.Remove(context);
                }
            }
        }
        """);

    [Theory]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentBag<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Add(c); Console.WriteLine(); }")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentQueue<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Enqueue(c); Console.WriteLine(); }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) => s_seen.Add(c);")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Add(c); }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c, HttpContext d) { s_seen.Add(c); c = d; Console.WriteLine(); }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Add(c); Use(s_seen); } static void Use(object o) { }")]
    [InlineData("internal static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Add(c); Console.WriteLine(); }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Add(c); Console.WriteLine(); } class Nested { }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { if (c.Request.IsHttps) { s_seen.Add(c); Console.WriteLine(); } _ = s_seen.Count; }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext[] all) { foreach (var c in all) { _ = s_seen.Contains(c); s_seen.Add(c); Console.WriteLine(); } }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { s_seen.Add(c); var id = c.TraceIdentifier; Log(); void Log() => Console.WriteLine(id); }")]
    [InlineData("private static readonly List<HttpContext> [|s_seen = new()|]; static void M(HttpContext c) { try { s_seen.Add(c); Console.WriteLine(); } catch (InvalidOperationException) { } finally { s_seen.Remove(c); } }")]
    public Task Remove_when_the_request_ends_is_not_offered_where_it_cannot_cover_every_store(string members)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            public class C
            {
                {{members}}
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    [Theory]
    [InlineData("static void M(HttpContext c) { if (c.Request.IsHttps) { s_seen.Add(c); Console.WriteLine(); } Console.WriteLine(c.TraceIdentifier); }")]
    [InlineData("static async Task M(HttpContext c) { if (c.Request.IsHttps) { lock (s_gate) { s_seen.Add(c); Console.WriteLine(); } Console.WriteLine(); } await c.Response.WriteAsync(\"done\"); }")]
    [InlineData("static async Task M(HttpContext c) { lock (s_gate) { lock (s_seen) { s_seen.Add(c); Console.WriteLine(); } } await c.Response.WriteAsync(\"done\"); }")]
    [InlineData("static async Task M(HttpContext c) { lock (s_gate) { lock (s_seen) { s_seen.Add(c); } } await c.Response.WriteAsync(\"done\"); }")]
    [InlineData("static async Task M(HttpContext c) { lock (s_gate) { if (c.Request.IsHttps) { s_seen.Add(c); Console.WriteLine(); } } await c.Response.WriteAsync(\"done\"); }")]
    public Task Remove_when_the_request_ends_is_not_offered_where_the_try_would_end_before_the_request_does(string method)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            static class C
            {
                private static readonly object s_gate = new();
                private static readonly List<HttpContext> [|s_seen = new()|];

                {{method}}
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    // ---- Fix not offered ------------------------------------------------------------------

    [Theory]
    [InlineData("Use(s_map);")]
    [InlineData("ICollection<HttpContext> keys = s_map.Keys;")]
    [InlineData("_ = s_map.Values.Count;")]
    public Task Fix_is_not_offered_when_the_dictionary_itself_is_handed_on(string use)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            class C
            {
                private static Dictionary<HttpContext, string> [|s_map = new()|];

                void M(HttpContext context)
                {
                    s_map.Remove(context);
                    {{use}}
                }

                static void Use(object value) { }
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    [Theory]
    [InlineData("_ = (s_map[context] = context.TraceIdentifier).Length;")]
    public Task Fix_is_not_offered_for_uses_not_rewritten_yet(string use)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            class C
            {
                private static Dictionary<HttpContext, string> [|s_map = new()|];

                void M(HttpContext context)
                {
                    {{use}}
                }
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    [Theory]
    [InlineData("private static readonly HashSet<HttpContext> [|s_map = new()|];")]
    [InlineData("private static readonly List<HttpContext> [|s_map = new()|];")]
    [InlineData("private static readonly Dictionary<string, HttpContext> [|s_map = new()|]; static bool M(string id) => s_map.Remove(id);")]
    public Task Fix_is_not_offered_for_request_values_nothing_stores(string members)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            public class C
            {
                {{members}}
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    [Theory]
    [InlineData("private static readonly Dictionary<(HttpContext, int), string> [|s_map = new()|];")]
    [InlineData("public static readonly Dictionary<HttpContext, string> [|s_map = new()|];")]
    [InlineData("protected static readonly Dictionary<HttpContext, string> [|s_map = new()|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = new(EqualityComparer<HttpContext>.Create((a, b) => a?.TraceIdentifier == b?.TraceIdentifier))|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = Create()|]; static Dictionary<HttpContext, string> Create() => new();")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, string> [|s_map = new()|]; static void M(HttpContext c, string v) => s_map.AddOrUpdate(c, v, (_, old) => old + v);")]
    public Task Fix_is_not_offered_for_shapes_a_weak_table_cannot_take(string members)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            public class C
            {
                {{members}}
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    [Theory]
    [InlineData("private static readonly Dictionary<HttpContext, int> [|s_map = new()|]; static int M(HttpContext c) { if (s_map.TryGetValue(c, out var count)) { count++; } return count; }")]
    public Task Fix_is_not_offered_for_shapes_not_rewritten_yet(string members)
    {
        var source = $$"""
            using Microsoft.AspNetCore.Http;

            public class C
            {
                {{members}}
            }
            """;
        return VerifyFix.CodeFixAsync(source, source);
    }

    [Theory]
    [InlineData("s_map.Missing(context);")]
    [InlineData("s_map.TryGetValue(context, out );")]
    [InlineData("s_map[context] = ;")]
    [InlineData("s_map.GetOrAdd(context, );")]
    [InlineData("_ = s_map.GetValueOrDefault(context, );")]
    [InlineData("_ = s_map[context] = ;")]
    [InlineData("s_map[context] += ;")]
    public Task Broken_uses_make_the_fix_unavailable_without_throwing(string use)
    {
        var source = $$"""
            using System.Collections.Concurrent;
            using Microsoft.AspNetCore.Http;

            class C
            {
                private static ConcurrentDictionary<HttpContext, string> [|s_map = new()|];

                void M(HttpContext context)
                {
                    {{use}}
                }
            }
            """;
        return VerifyFix.CodeFixAsync(source, source, test => test.CompilerDiagnostics = CompilerDiagnostics.None);
    }
}
