using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>The calls in one piece of work that would take a token, directly or through a method of the same compilation.</summary>
internal readonly struct WorkCalls
{
    public WorkCalls(ImmutableArray<IInvocationOperation> acceptors, ImmutableArray<IInvocationOperation> threaded)
    {
        Acceptors = acceptors;
        Threaded = threaded;
    }

    public static WorkCalls None { get; } = new(ImmutableArray<IInvocationOperation>.Empty, ImmutableArray<IInvocationOperation>.Empty);

    /// <summary>Task-returning calls that could take a token (an overload or an optional parameter) and received none.</summary>
    public ImmutableArray<IInvocationOperation> Acceptors { get; }

    /// <summary>
    /// Calls of same-compilation methods that have no token parameter but whose bodies (a few calls
    /// deep) make calls that could take one: a token reaches them only through a new parameter.
    /// </summary>
    public ImmutableArray<IInvocationOperation> Threaded { get; }

    public bool IsEmpty => Acceptors.IsEmpty && Threaded.IsEmpty;
}

/// <summary>
/// The work behind <c>Task.Run</c>/<c>StartNew</c>: the calls in its delegate and, through methods
/// of the same compilation, a few calls deep (docs/rules/LEAK005.md, "could accept a token"). Pure CPU work has
/// none of them. Iterative, with caps on depth and on the methods visited.
/// </summary>
internal static class BackgroundWork
{
    /// <summary>How many calls deep a method of the same compilation is followed (a calls b calls c).</summary>
    public const int MaxDepth = 3;

    private const int MaxMethods = 16;

    /// <summary>The calls in the lambdas passed to a call (not in static lambdas' nested functions).</summary>
    public static WorkCalls InDelegates(IInvocationOperation call, CancellationTypes types)
    {
        var acceptors = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var threaded = ImmutableArray.CreateBuilder<IInvocationOperation>();
        foreach (var argument in call.Arguments)
        {
            if (TaskOrigins.Unwrap(argument.Value) is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda })
            {
                Collect(lambda.Body, types, acceptors, threaded, depth: 0);
            }
        }

        return new WorkCalls(acceptors.ToImmutable(), threaded.ToImmutable());
    }

    /// <summary>The calls in the body of a method that <see cref="IsThreadable"/> accepted.</summary>
    public static WorkCalls InMethod(IMethodSymbol method, CancellationTypes types, int depth)
    {
        var body = Body(method, types);
        if (body is null)
        {
            return WorkCalls.None;
        }

        var acceptors = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var threaded = ImmutableArray.CreateBuilder<IInvocationOperation>();
        Collect(body, types, acceptors, threaded, depth);
        return new WorkCalls(acceptors.ToImmutable(), threaded.ToImmutable());
    }

    /// <summary>
    /// A method that could be given an optional token parameter and forward it: an ordinary method or
    /// local function of this compilation with one declaration, not virtual, override, abstract,
    /// extern, partial or an interface implementation, without a trailing <c>params</c>, whose
    /// body reaches a token-accepting call within <see cref="MaxDepth"/> calls.
    /// </summary>
    public static bool IsThreadable(IInvocationOperation call, CancellationTypes types, int depth)
    {
        if (depth >= MaxDepth || !types.IsTaskLike(call.Type) || !CanTakeParameter(call.TargetMethod.OriginalDefinition, types) ||
            TokenOverloads.Find(call, types) is not null || TokenArguments.ReceivesToken(call, types))
        {
            return false;
        }

        // Explicit stack: does any method reachable from this one (within the depth cap) make a token-accepting call?
        var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<(IMethodSymbol Method, int Depth)>();
        pending.Push((call.TargetMethod.OriginalDefinition, depth + 1));
        while (pending.Count > 0 && visited.Count < MaxMethods)
        {
            var (method, methodDepth) = pending.Pop();
            if (!visited.Add(method) || Body(method, types) is not { } body)
            {
                continue;
            }

            foreach (var operation in TaskOrigins.FunctionBody(body))
            {
                if (operation is not IInvocationOperation inner || !types.IsTaskLike(inner.Type) || TokenArguments.ReceivesToken(inner, types))
                {
                    continue;
                }

                if (TokenOverloads.Find(inner, types) is not null)
                {
                    return true;
                }

                if (methodDepth < MaxDepth && CanTakeParameter(inner.TargetMethod.OriginalDefinition, types))
                {
                    pending.Push((inner.TargetMethod.OriginalDefinition, methodDepth + 1));
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a method of this compilation that the delegate calls (up to <see cref="MaxDepth"/> calls
    /// deep) reads a token its instance or type holds: a <c>CancellationToken</c> field or property,
    /// a source's <c>Token</c>. Work that stops when its owner cancels that token has received one,
    /// though no call in the delegate passes it (<c>Task.Run(() => ReceiveLoop(), _token)</c> where
    /// the loop reads <c>_token</c>). The callees' parameters do not count: they hold what the
    /// delegate passed, or their default.
    /// </summary>
    public static bool CalleesReadHeldToken(IOperation delegateArgument, CancellationTypes types)
    {
        var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<(IOperation Body, int Depth)>();
        pending.Push((delegateArgument, 0));
        while (pending.Count > 0)
        {
            var (body, depth) = pending.Pop();
            foreach (var operation in body.DescendantsAndSelf())
            {
                if (depth > 0 && operation is IFieldReferenceOperation or IPropertyReferenceOperation &&
                    types.IsToken(operation.Type) && TokenArguments.IsRealToken(operation))
                {
                    return true;
                }

                if (depth < MaxDepth && operation is IInvocationOperation call && visited.Count < MaxMethods &&
                    visited.Add(call.TargetMethod.OriginalDefinition) && Body(call.TargetMethod.OriginalDefinition, types) is { } calleeBody)
                {
                    pending.Push((calleeBody, depth + 1));
                }
            }
        }

        return false;
    }

    private static void Collect(IOperation body, CancellationTypes types, ImmutableArray<IInvocationOperation>.Builder acceptors, ImmutableArray<IInvocationOperation>.Builder threaded, int depth)
    {
        foreach (var operation in TaskOrigins.FunctionBody(body))
        {
            if (operation is not IInvocationOperation inner || !types.IsTaskLike(inner.Type) || TokenArguments.ReceivesToken(inner, types))
            {
                continue;
            }

            if (TokenOverloads.Find(inner, types) is not null)
            {
                acceptors.Add(inner);
            }
            else if (IsThreadable(inner, types, depth))
            {
                threaded.Add(inner);
            }
        }
    }

    private static bool CanTakeParameter(IMethodSymbol method, CancellationTypes types) =>
        method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction &&
        !method.IsVirtual && !method.IsOverride && !method.IsAbstract && !method.IsExtern &&
        method.PartialDefinitionPart is null && method.PartialImplementationPart is null &&
        method.ExplicitInterfaceImplementations.IsEmpty &&
        !(method.Parameters.Length > 0 && method.Parameters[method.Parameters.Length - 1].IsParams) &&
        method.DeclaringSyntaxReferences.Length == 1 &&
        types.Compilation.ContainsSyntaxTree(method.DeclaringSyntaxReferences[0].SyntaxTree) &&
        !ImplementsInterface(method);

    private static IOperation? Body(IMethodSymbol method, CancellationTypes types) =>
        method.DeclaringSyntaxReferences.Length == 1 ? types.GetOperation(method.DeclaringSyntaxReferences[0].GetSyntax(CancellationToken.None)) : null;

    private static bool ImplementsInterface(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null || method.MethodKind == MethodKind.LocalFunction || method.DeclaredAccessibility != Accessibility.Public)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
