using Microsoft.CodeAnalysis.Testing;
using Xunit;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.StaticRequestCollectionAnalyzer, LeakAnalyzers.CodeFixes.Rules.ConditionalWeakTableCodeFixProvider>;

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
            internal static readonly Dictionary<HttpContext, int> {|LEAK007:Counts = new()|};
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
            using Microsoft.AspNetCore.Http;

            sealed class TrackingMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var state = Tracker.States.GetValue(context, _ => new RequestState());
                    Tracker.States.TryAdd(context, state);
                    Tracker.Tags.Add(context.Request, context.TraceIdentifier);
                    Tracker.Counts[context] = 1;
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
                    _ = Tracker.Counts.Count;
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
                try
                {
                    await _next(context);
                }
                finally
                {
                    _users.Remove(context);
                }
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
                try
                {
                    await _next(context);
                }
                finally
                {
                    _users.Remove(context);
                }
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

    // ---- Fix not offered ------------------------------------------------------------------

    [Theory]
    [InlineData("foreach (var pair in s_map) { }")]
    [InlineData("_ = s_map.Count;")]
    [InlineData("_ = s_map.Keys;")]
    [InlineData("_ = s_map.Values;")]
    [InlineData("_ = s_map[context];")]
    [InlineData("s_map[context] += \"x\";")]
    [InlineData("_ = s_map[context] = \"x\";")]
    [InlineData("_ = s_map.Any();")]
    [InlineData("Use(s_map);")]
    [InlineData("s_map = new();")]
    [InlineData("s_map?.Remove(context);")]
    [InlineData("_ = s_map.GetValueOrDefault(context);")]
    [InlineData("_ = s_map.TryGetValue(value: out var found, key: context);")]
    [InlineData("s_map.Remove(context, out var removed);")]
    public Task Fix_is_not_offered_when_a_use_cannot_be_rewritten(string use)
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
    [InlineData("private static readonly Dictionary<HttpContext, int> [|s_map = new()|];")]
    [InlineData("private static readonly Dictionary<HttpContext, DateTime> [|s_map = new()|];")]
    [InlineData("private static readonly HashSet<HttpContext> [|s_map = new()|];")]
    [InlineData("private static readonly List<HttpContext> [|s_map = new()|];")]
    [InlineData("private static readonly Dictionary<string, HttpContext> [|s_map = new()|];")]
    [InlineData("private static readonly Dictionary<(HttpContext, int), string> [|s_map = new()|];")]
    [InlineData("public static readonly Dictionary<HttpContext, string> [|s_map = new()|];")]
    [InlineData("protected static readonly Dictionary<HttpContext, string> [|s_map = new()|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = new(16)|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = new(ReferenceEqualityComparer.Instance)|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = new() { [null!] = \"x\" }|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = Create()|]; static Dictionary<HttpContext, string> Create() => new();")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map|];")]
    [InlineData("private static readonly Dictionary<HttpContext, string> [|s_map = new()|], [|s_other = new()|];")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, string> [|s_map = new()|]; static string M(HttpContext c) => s_map.GetOrAdd(c, \"x\");")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, string> [|s_map = new()|]; static Func<HttpContext, string> f = c => \"x\"; static string M(HttpContext c) => s_map.GetOrAdd(c, f);")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, string> [|s_map = new()|]; static void M(HttpContext c, string v) => s_map.AddOrUpdate(c, v, (_, old) => old + v);")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, string> [|s_map = new()|]; static string M(HttpContext c, string v) => s_map.AddOrUpdate(c, v, (_, _) => v);")]
    [InlineData("private static readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, string> [|s_map = new()|]; static void M(HttpContext c, string v) { s_map.AddOrUpdate(c, v, (_, v) => v); }")]
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
    [InlineData("s_map.Missing(context);")]
    [InlineData("s_map.TryGetValue(context, out );")]
    [InlineData("s_map[context] = ;")]
    [InlineData("s_map.GetOrAdd(context, );")]
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
