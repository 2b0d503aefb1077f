using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>A recognised race: the statements it occupies, its timeout, and what it does on timeout and on success.</summary>
internal sealed class TimeoutRace
{
    public TimeoutRace(TimeoutRaceKind kind, StatementSyntax statement, ExpressionSyntax timeout, SyntaxList<StatementSyntax> onTimeout)
    {
        Kind = kind;
        Statement = statement;
        Timeout = timeout;
        OnTimeout = onTimeout;
    }

    public TimeoutRaceKind Kind { get; }

    /// <summary>The statement the <c>try</c>/<c>catch</c> replaces.</summary>
    public StatementSyntax Statement { get; }

    public ExpressionSyntax Timeout { get; }

    /// <summary>What the code ran on timeout; it becomes the <c>catch</c> block.</summary>
    public SyntaxList<StatementSyntax> OnTimeout { get; }

    /// <summary>What the code ran when the work won, run inside the <c>try</c> after the wait.</summary>
    public SyntaxList<StatementSyntax> OnSuccess { get; set; }

    /// <summary>The wait's own token (<c>WaitAsync(timeout, token)</c>, <c>Wait(timeout, token)</c>): the new source is linked to it.</summary>
    public ExpressionSyntax? CallerToken { get; set; }

    /// <summary>The <c>if (finished != work)</c> or <c>switch (finished)</c> that follows a <c>var finished = await Task.WhenAny(...)</c>, removed with it.</summary>
    public StatementSyntax? Removed { get; set; }

    /// <summary>The statement after the race that was the success (the timeout returned first): it moved into the <c>try</c> and is removed.</summary>
    public StatementSyntax? MovedIntoTry { get; set; }

    /// <summary><c>var delay = Task.Delay(t);</c> raced by name: the source's <c>CancelAfter</c> replaces it.</summary>
    public StatementSyntax? RemovedDelay { get; set; }

    /// <summary>The raced local a <c>WhenAny</c> race awaits; null for the other kinds.</summary>
    public string? Work { get; set; }

    /// <summary>The success statements await the work themselves (<c>r = await work;</c>), so no separate <c>await work;</c> comes first.</summary>
    public bool SuccessAwaitsWork { get; set; }

    /// <summary>
    /// The <c>await X.WaitAsync(t)</c> a statement evaluates first but that is not all it awaits: its value
    /// goes into a new local inside the <c>try</c>, and the statement follows with the local in its place.
    /// </summary>
    public AwaitExpressionSyntax? Hoisted { get; set; }

    /// <summary>The name of the local a <see cref="Hoisted"/> wait's value goes into.</summary>
    public string? HoistedInto { get; set; }

    /// <summary>The index of the <c>Task.Delay(t)</c> element a <c>Task.WaitAny(new[] { work, Task.Delay(t) })</c> no longer needs.</summary>
    public int? DroppedDelay { get; set; }

    /// <summary>
    /// The statement is <c>var v = ...;</c> whose value is now assigned inside the <c>try</c> (and the
    /// <c>catch</c>): <c>T v;</c> is declared before it.
    /// </summary>
    public bool DeclaresResult { get; set; }
}

/// <summary>How the race is written, and so how it is rewritten.</summary>
internal enum TimeoutRaceKind
{
    /// <summary><c>Task.WhenAny(work, Task.Delay(t))</c> branched on (<c>if</c>, <c>?:</c>) or discarded: <c>await work</c> in a <c>try</c>.</summary>
    WhenAny,

    /// <summary><c>await X.WaitAsync(t)</c> in a statement: a <c>try</c> that throws <c>TimeoutException</c> as before.</summary>
    WaitAsync,

    /// <summary><c>try { ... await X.WaitAsync(t) ... } catch (TimeoutException) { ... }</c>: the catch now catches the timeout's cancellation.</summary>
    WaitAsyncCaught,

    /// <summary>
    /// <c>work.Wait(t)</c>, <c>Task.WaitAll(tasks, t)</c> (a <c>bool</c>) or a discarded <c>Task.WaitAny(tasks, t)</c>:
    /// the same wait bounded by the source's token, which throws <c>OperationCanceledException</c> on timeout.
    /// </summary>
    BlockingWait,
}
