using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>The answer for a set of tasks: can a token reach the work, and which calls would take it.</summary>
internal readonly struct TokenVerdict
{
    private TokenVerdict(bool report, ImmutableArray<IInvocationOperation> origins, ImmutableArray<IInvocationOperation> acceptors, ImmutableArray<IInvocationOperation> threaded)
    {
        ShouldReport = report;
        Origins = origins;
        Acceptors = acceptors;
        Threaded = threaded;
    }

    public static TokenVerdict Quiet { get; } = new(false, ImmutableArray<IInvocationOperation>.Empty, ImmutableArray<IInvocationOperation>.Empty, ImmutableArray<IInvocationOperation>.Empty);

    /// <summary>Every task was traced, none received a token, and at least one call could take one.</summary>
    public bool ShouldReport { get; }

    /// <summary>The calls that started the tasks and could take a token (for <c>Task.Run</c>, through its work).</summary>
    public ImmutableArray<IInvocationOperation> Origins { get; }

    /// <summary>
    /// The calls to give the token to: the traced calls that accept one, and for <c>Task.Run</c>/<c>StartNew</c>
    /// the token-accepting calls inside the delegate (and the starter itself, which then does not start cancelled work).
    /// </summary>
    public ImmutableArray<IInvocationOperation> Acceptors { get; }

    /// <summary>Calls inside a <c>Task.Run</c> delegate to same-compilation methods that need a token parameter first.</summary>
    public ImmutableArray<IInvocationOperation> Threaded { get; }

    public static TokenVerdict Report(ImmutableArray<IInvocationOperation> origins, ImmutableArray<IInvocationOperation> acceptors, ImmutableArray<IInvocationOperation> threaded) =>
        new(true, origins, acceptors, threaded);
}

/// <summary>Entry point of the cancellation-token flow engine shared by LEAK004/005/006.</summary>
internal static class CancellationFlow
{
    /// <summary>Judges the work behind <paramref name="tasks"/>: quiet when a task is not understood, when any call got a token, or when nothing could take one.</summary>
    public static TokenVerdict Judge(IEnumerable<IOperation> tasks, CancellationTypes types)
    {
        var work = TaskOrigins.Trace(tasks, types);
        if (!work.Complete || work.Calls.IsEmpty)
        {
            return TokenVerdict.Quiet;
        }

        return JudgeCalls(work.Calls, types);
    }

    /// <summary>
    /// The calls that started the tasks. <c>Task.Run</c>/<c>StartNew</c> could take a token only when
    /// their work could (docs/rules/LEAK005.md, "could accept a token"): pure CPU work is not this kind of leak.
    /// </summary>
    public static TokenVerdict JudgeCalls(ImmutableArray<IInvocationOperation> calls, CancellationTypes types)
    {
        foreach (var call in calls)
        {
            if (TokenArguments.ReceivesToken(call, types))
            {
                return TokenVerdict.Quiet;
            }
        }

        var origins = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var acceptors = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var threaded = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var seen = new HashSet<IOperation>();
        foreach (var call in calls)
        {
            var hasSlot = TokenOverloads.Find(call, types) is not null;
            if (!types.IsTaskStarter(call.TargetMethod))
            {
                if (hasSlot && seen.Add(call))
                {
                    origins.Add(call);
                    acceptors.Add(call);
                }

                continue;
            }

            var work = BackgroundWork.InDelegates(call, types);
            if (work.IsEmpty || !seen.Add(call))
            {
                continue;
            }

            origins.Add(call);
            if (hasSlot)
            {
                acceptors.Add(call);
            }

            foreach (var inner in work.Acceptors)
            {
                if (seen.Add(inner))
                {
                    acceptors.Add(inner);
                }
            }

            foreach (var inner in work.Threaded)
            {
                if (seen.Add(inner))
                {
                    threaded.Add(inner);
                }
            }
        }

        return origins.Count == 0 ? TokenVerdict.Quiet : TokenVerdict.Report(origins.ToImmutable(), acceptors.ToImmutable(), threaded.ToImmutable());
    }
}
