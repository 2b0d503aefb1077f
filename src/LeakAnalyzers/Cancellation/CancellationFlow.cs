using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>The answer for a set of tasks: can a token reach the work, and which calls would take it.</summary>
internal readonly struct TokenVerdict
{
    private TokenVerdict(bool report, ImmutableArray<IInvocationOperation> acceptors)
    {
        ShouldReport = report;
        Acceptors = acceptors;
    }

    public static TokenVerdict Quiet { get; } = new(false, ImmutableArray<IInvocationOperation>.Empty);

    /// <summary>Every task was traced, none received a token, and at least one call could take one.</summary>
    public bool ShouldReport { get; }

    /// <summary>The calls to give the token to: the traced calls that accept one, and for <c>Task.Run</c>/<c>StartNew</c> the task-returning calls inside the delegate.</summary>
    public ImmutableArray<IInvocationOperation> Acceptors { get; }

    public static TokenVerdict Report(ImmutableArray<IInvocationOperation> acceptors) => new(true, acceptors);
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

    public static TokenVerdict JudgeCalls(ImmutableArray<IInvocationOperation> calls, CancellationTypes types)
    {
        foreach (var call in calls)
        {
            if (TokenArguments.ReceivesToken(call, types))
            {
                return TokenVerdict.Quiet;
            }
        }

        var acceptors = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var seen = new HashSet<IOperation>();
        foreach (var call in calls)
        {
            if (TokenOverloads.Find(call, types) is not null && seen.Add(call))
            {
                acceptors.Add(call);
            }

            if (types.IsTaskStarter(call.TargetMethod))
            {
                foreach (var inner in CallsInDelegates(call, types))
                {
                    if (seen.Add(inner))
                    {
                        acceptors.Add(inner);
                    }
                }
            }
        }

        return acceptors.Count == 0 ? TokenVerdict.Quiet : TokenVerdict.Report(acceptors.ToImmutable());
    }

    /// <summary>Task-returning calls in the lambdas passed to a call that take a token and have none.</summary>
    public static IEnumerable<IInvocationOperation> CallsInDelegates(IInvocationOperation call, CancellationTypes types)
    {
        foreach (var argument in call.Arguments)
        {
            if (TaskOrigins.Unwrap(argument.Value) is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation { Symbol.IsStatic: false } lambda })
            {
                continue;
            }

            foreach (var operation in TaskOrigins.FunctionBody(lambda.Body))
            {
                if (operation is IInvocationOperation inner &&
                    types.IsTaskLike(inner.Type) &&
                    !TokenArguments.ReceivesToken(inner, types) &&
                    TokenOverloads.Find(inner, types) is not null)
                {
                    yield return inner;
                }
            }
        }
    }
}
