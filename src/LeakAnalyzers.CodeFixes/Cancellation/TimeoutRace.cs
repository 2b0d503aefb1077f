using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>A recognised race: the statements it occupies, its timeout, and what it does on timeout.</summary>
internal sealed class TimeoutRace
{
    public TimeoutRace(StatementSyntax statement, IfStatementSyntax? removed, ExpressionSyntax timeout, string? work, SyntaxList<StatementSyntax> onTimeout, TimeoutRaceKind kind = TimeoutRaceKind.WhenAny, ExpressionSyntax? callerToken = null)
    {
        Statement = statement;
        Removed = removed;
        Timeout = timeout;
        Work = work;
        OnTimeout = onTimeout;
        Kind = kind;
        CallerToken = callerToken;
    }

    public TimeoutRaceKind Kind { get; }

    /// <summary>What a <c>WhenAny</c> race did when the work won (its success branch), run after the work is awaited.</summary>
    public SyntaxList<StatementSyntax> OnSuccess { get; set; }

    /// <summary><c>WaitAsync(timeout, token)</c>'s token: the new source is linked to it.</summary>
    public ExpressionSyntax? CallerToken { get; }

    /// <summary>The statement the <c>try</c>/<c>catch</c> replaces.</summary>
    public StatementSyntax Statement { get; }

    /// <summary>The <c>if (finished != work)</c> that follows a <c>var finished = await Task.WhenAny(...)</c>, removed with it.</summary>
    public IfStatementSyntax? Removed { get; }

    public ExpressionSyntax Timeout { get; }

    /// <summary>The raced local, or null for <c>WaitAsync</c> (whose receiver is awaited).</summary>
    public string? Work { get; }

    public SyntaxList<StatementSyntax> OnTimeout { get; }
}

/// <summary>How the race is written, and so how it is rewritten.</summary>
internal enum TimeoutRaceKind
{
    /// <summary><c>if (await Task.WhenAny(work, Task.Delay(t)) != work) { ...; exit }</c>.</summary>
    WhenAny,

    /// <summary><c>await X.WaitAsync(t);</c>, <c>return await X.WaitAsync(t);</c> or <c>var v = await X.WaitAsync(t);</c>: a <c>try</c> that throws <c>TimeoutException</c> as before.</summary>
    WaitAsync,

    /// <summary><c>try { ... await X.WaitAsync(t) ... } catch (TimeoutException) { ... }</c>: the catch now catches the timeout's cancellation.</summary>
    WaitAsyncCaught,
}
