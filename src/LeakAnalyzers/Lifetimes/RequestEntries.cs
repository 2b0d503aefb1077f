using System.Collections.Immutable;
using System.Linq;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Lifetimes;

/// <summary>What one reference to a long-lived collection field does with it.</summary>
internal enum EntryUse
{
    /// <summary>Puts an entry in: <c>Add</c>, <c>TryAdd</c>, <c>Insert</c>, <c>map[key] = value</c>.</summary>
    Store,

    /// <summary>Reads, removes or locks: cannot make the collection hold more.</summary>
    Read,

    /// <summary>Anything else (the field passed on, assigned, <c>Enqueue</c>, <c>UnionWith</c>...): the analysis cannot tell.</summary>
    Other,
}

/// <summary>
/// LEAK007's "remove when the request ends": an entry stored by a statement that is immediately
/// followed by <c>try { ... } finally { field.Remove(entry); }</c> leaves the collection on every
/// path out of the method. Shared by the analyzer (such stores do not leak) and the code fix
/// (which writes exactly that shape).
/// </summary>
internal static class RequestEntries
{
    /// <summary>Stores the "remove when the request ends" shape understands: their first argument (or indexer argument) is the entry.</summary>
    private static readonly ImmutableHashSet<string> StoringMethods = ImmutableHashSet.Create("Add", "TryAdd");

    /// <summary>Members that never put an entry in.</summary>
    private static readonly ImmutableHashSet<string> ReadingMembers = ImmutableHashSet.Create(
        "Remove", "TryRemove", "RemoveAll", "RemoveWhere", "Clear", "Contains", "ContainsKey", "ContainsValue", "TryGetValue",
        "Count", "IsEmpty", "Keys", "Values", "ToArray", "CopyTo", "IndexOf", "GetEnumerator", "Find", "Exists");

    /// <summary>Upper bound on walks along member-access chains.</summary>
    private const int MaxChain = 8;

    /// <summary>What <paramref name="reference"/> does; <paramref name="store"/> is the storing operation for <see cref="EntryUse.Store"/>.</summary>
    public static EntryUse Classify(IFieldReferenceOperation reference, out IOperation? store)
    {
        store = null;
        var user = OperationNavigation.SkipTransparentParents(reference);
        switch (user.Parent)
        {
            case IInvocationOperation invocation when invocation.Instance == user:
                if (StoringMethods.Contains(invocation.TargetMethod.Name) && invocation.Arguments.Length is 1 or 2 ||
                    IsInsert(invocation))
                {
                    store = invocation;
                    return EntryUse.Store;
                }

                return ReadingMembers.Contains(invocation.TargetMethod.Name) ? EntryUse.Read : EntryUse.Other;

            case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer when indexer.Instance == user:
                if (indexer.Parent is ISimpleAssignmentOperation assignment && assignment.Target == indexer)
                {
                    store = assignment;
                    return EntryUse.Store;
                }

                return indexer.Parent is IAssignmentOperation or IIncrementOrDecrementOperation ? EntryUse.Other : EntryUse.Read;

            case IPropertyReferenceOperation { Property.IsIndexer: false } property when property.Instance == user:
                return ReadingMembers.Contains(property.Property.Name) ? EntryUse.Read : EntryUse.Other;

            case ILockOperation or IForEachLoopOperation:
                return EntryUse.Read;

            case IArgumentOperation { Parent: IInvocationOperation { TargetMethod: { IsExtensionMethod: true, ContainingNamespace: { } ns } } }
                when ns.ToDisplayString() == "System.Linq":
                return EntryUse.Read;

            default:
                return EntryUse.Other;
        }
    }

    /// <summary><c>list.Insert(index, item)</c>: a store of <c>item</c>.</summary>
    private static bool IsInsert(IInvocationOperation invocation) =>
        invocation.TargetMethod is { Name: "Insert", Parameters.Length: 2 } insert && insert.Parameters[0].Type.SpecialType == SpecialType.System_Int32 && invocation.Arguments.Length == 2;

    /// <summary>The entry a store puts in: the key of a dictionary, the element of a list or set (the second argument of <c>Insert</c>).</summary>
    public static IOperation? StoredEntry(IOperation store) => store switch
    {
        IInvocationOperation invocation when IsInsert(invocation) =>
            invocation.Arguments.FirstOrDefault(argument => argument.Parameter?.Ordinal == 1) is { } item ? OperationNavigation.SkipConversions(item.Value) : null,
        IInvocationOperation invocation when invocation.Arguments.Length > 0 => OperationNavigation.SkipConversions(invocation.Arguments[0].Value),
        ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Arguments.Length: 1 } indexer } => OperationNavigation.SkipConversions(indexer.Arguments[0].Value),
        _ => null,
    };

    /// <summary>
    /// The statement that stores (or the <c>lock</c> whose body is only that statement), when it
    /// sits directly in a block: the unit the fix wraps and the analyzer checks.
    /// </summary>
    public static IOperation? StoringStatement(IOperation store)
    {
        if (store.Parent is not IExpressionStatementOperation statement)
        {
            return null;
        }

        IOperation unit = statement;
        if (statement.Parent is IBlockOperation { Operations.Length: 1, Parent: ILockOperation locked })
        {
            unit = locked;
        }

        return unit.Parent is IBlockOperation ? unit : null;
    }

    /// <summary>
    /// The store, or the <c>lock</c> whose body stores, is followed at once by a <c>try</c> whose
    /// <c>finally</c> removes the same entry from the same field.
    /// </summary>
    public static bool IsRemovedWhenScopeEnds(IOperation store, IFieldSymbol field)
    {
        if (StoredEntry(store) is not { } entry || StoringStatement(store) is not { } statement)
        {
            return false;
        }

        // Nothing can be awaited in a lock body, so the try that covers the request's work follows the lock.
        return IsFollowedByRemoval(statement, entry, field) ||
            statement.Parent is IBlockOperation { Parent: ILockOperation locked } && IsFollowedByRemoval(locked, entry, field);
    }

    private static bool IsFollowedByRemoval(IOperation statement, IOperation entry, IFieldSymbol field)
    {
        if (statement.Parent is not IBlockOperation block)
        {
            return false;
        }

        var index = block.Operations.IndexOf(statement);
        if (index < 0 || index + 1 >= block.Operations.Length || block.Operations[index + 1] is not ITryOperation { Finally: { } cleanup })
        {
            return false;
        }

        foreach (var operation in cleanup.Descendants())
        {
            if (operation is IInvocationOperation { TargetMethod.Name: "Remove" or "TryRemove", Arguments.Length: > 0, Instance: { } instance } removal &&
                OperationNavigation.SkipConversions(instance) is IFieldReferenceOperation removed &&
                SymbolEqualityComparer.Default.Equals(removed.Field, field) &&
                SameValue(OperationNavigation.SkipConversions(removal.Arguments[0].Value), entry))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A read that gives the same object when repeated: a local, parameter, <c>this</c>, or a member chain on one (<c>context.Connection.Id</c>).</summary>
    public static ISymbol? StableRoot(IOperation value)
    {
        var current = OperationNavigation.SkipConversions(value);
        for (var depth = 0; depth < MaxChain; depth++)
        {
            switch (current)
            {
                case ILocalReferenceOperation local:
                    return local.Local;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case IInstanceReferenceOperation or IMemberReferenceOperation { Instance: null }:
                    return current.Type;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = OperationNavigation.SkipConversions(instance);
                    continue;
                case IPropertyReferenceOperation { Instance: { } instance, Arguments.Length: 0 }:
                    current = OperationNavigation.SkipConversions(instance);
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>Reads of the same local, parameter or member chain (<c>context</c>, <c>context.Connection.Id</c>).</summary>
    public static bool SameValue(IOperation left, IOperation right)
    {
        for (var depth = 0; depth < MaxChain; depth++)
        {
            switch (left, right)
            {
                case (ILocalReferenceOperation a, ILocalReferenceOperation b):
                    return SymbolEqualityComparer.Default.Equals(a.Local, b.Local);
                case (IParameterReferenceOperation a, IParameterReferenceOperation b):
                    return SymbolEqualityComparer.Default.Equals(a.Parameter, b.Parameter);
                case (IInstanceReferenceOperation, IInstanceReferenceOperation):
                    return true;
                case (IMemberReferenceOperation a, IMemberReferenceOperation b)
                    when SymbolEqualityComparer.Default.Equals(a.Member, b.Member) && a is not IPropertyReferenceOperation { Arguments.Length: > 0 }:
                    if (a.Instance is null || b.Instance is null)
                    {
                        return a.Instance is null && b.Instance is null;
                    }

                    left = OperationNavigation.SkipConversions(a.Instance);
                    right = OperationNavigation.SkipConversions(b.Instance);
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }
}
