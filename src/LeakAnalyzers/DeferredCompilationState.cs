using System;
using System.Threading;

namespace LeakAnalyzers;

/// <summary>
/// Per-compilation state that a rule builds on its first analysis callback instead of in its
/// compilation-start action. The first semantic query on a compilation binds all of its
/// references (a fifth of a second for a netstandard2.0 project with a hundred of them). The
/// compiler does that anyway as soon as the analyzers are started, but a start action that gets
/// there first is charged the whole binding in <c>-p:ReportAnalyzer=true</c>, and in a concurrent
/// build every start action waiting on it is charged the wait. By the first operation or symbol
/// callback the compiler has bound the references.
/// </summary>
internal sealed class DeferredCompilationState<T>
{
    private readonly Lazy<T> _state;

    /// <param name="create">Builds the state once; a rule with nothing to look for in the compilation returns null.</param>
    public DeferredCompilationState(Func<T> create) =>
        _state = new Lazy<T>(create, LazyThreadSafetyMode.ExecutionAndPublication);

    public T Value => _state.Value;
}
