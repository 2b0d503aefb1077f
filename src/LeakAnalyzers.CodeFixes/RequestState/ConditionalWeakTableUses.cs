using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fix 1, the uses: how each use of a dictionary reads on a <c>ConditionalWeakTable</c>.
/// <list type="bullet">
/// <item><c>TryGetValue</c>, <c>Remove(key)</c>, <c>TryAdd</c>, <c>Add</c>, <c>Clear</c>, <c>foreach</c> and LINQ over the pairs: unchanged.</item>
/// <item><c>map[key] = value;</c> -> <c>map.AddOrUpdate(key, value);</c>; a read <c>map[key]</c> -> <c>map.GetValue(key, _ => throw new KeyNotFoundException())</c>.</item>
/// <item><c>ContainsKey(key)</c> -> <c>TryGetValue(key, out _)</c>; <c>GetOrAdd</c> -> <c>GetValue</c>.</item>
/// <item><c>TryRemove(key, out _)</c> -> <c>Remove(key)</c>; <c>TryRemove(key, out v)</c> -> <c>TryGetValue(key, out v)</c> + <c>Remove(key)</c>.</item>
/// <item><c>lock (map)</c> -> <c>lock (mapGate)</c>, a dedicated object.</item>
/// <item><c>map[key] += v;</c> -> <c>map.AddOrUpdate(key, map.GetValue(...) + v);</c>; <c>map = new();</c> starts over with an empty table.</item>
/// <item>Boxed values (<c>.Boxed.cs</c>), <c>Count</c>/<c>Keys</c>/<c>Values</c> by enumeration (<c>.Enumeration.cs</c>),
/// <c>GetValueOrDefault</c> and stores whose value is used (<c>.Values.cs</c>).</item>
/// </list>
/// </summary>
internal sealed partial class ConditionalWeakTableUses
{
    private readonly FieldRewritePlan _plan;
    private readonly INamedTypeSymbol _weakTable;

    /// <summary><c>StrongBox&lt;V&gt;</c> when the value is a value type: values stored are boxed, values read are unboxed.</summary>
    private readonly TypeSyntax? _box;

    private readonly WeakTableCreation _creations;

    /// <summary>The name for the value read by a rewritten <c>GetValueOrDefault</c>: named after the field, so that fields fixed together do not clash.</summary>
    private readonly string _valueName;

    /// <summary>Locals this plan introduces, per member, so that two rewrites in one member get two names.</summary>
    private readonly HashSet<(MemberDeclarationSyntax?, string)> _localsGiven = new();

    public ConditionalWeakTableUses(FieldRewritePlan plan, INamedTypeSymbol weakTable, string fieldName, string gateName, TypeSyntax? box, WeakTableCreation creations)
    {
        _plan = plan;
        _weakTable = weakTable;
        _box = box;
        _creations = creations;
        _valueName = ValueNameFor(fieldName);
        GateName = gateName;
    }

    public string GateName { get; }

    /// <summary>Some use locks the collection itself: the gate field is needed.</summary>
    public bool GateUsed { get; private set; }

    /// <summary>Plans the rewrite of one reference to the field; false when the weak table cannot express it.</summary>
    public bool Plan(SyntaxNode node, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        var reference = node.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == node ? qualified : node;
        if (model.GetOperation(reference, cancellationToken) is not IFieldReferenceOperation fieldReference || IsIncomplete(reference))
        {
            return false;
        }

        switch (reference.Parent)
        {
            case LockStatementSyntax lockStatement when lockStatement.Expression == reference:
                GateUsed = true;
                _plan.Add(document, node, rewritten => IdentifierName(GateName).WithTriviaFrom(rewritten));
                return true;
            case CommonForEachStatementSyntax loop when loop.Expression == reference:
                // The weak table enumerates the same KeyValuePair<TKey, TValue> entries; boxed values are unwrapped where the loop reads them.
                return EnumeratesPairs() && (_box is null || PlanBoxedLoop(loop, model, document, cancellationToken));
        }

        var user = OperationNavigation.SkipTransparentParents(fieldReference);
        switch (user.Parent)
        {
            case ISimpleAssignmentOperation { Parent: IExpressionStatementOperation, Value.Syntax: ExpressionSyntax created } assignment when assignment.Target == user:
                // map = new();  starts over with an empty table.
                return _creations.Plan(_plan, document, created, model, cancellationToken);

            case IConditionalAccessOperation { WhenNotNull: IInvocationOperation { Instance: IConditionalAccessInstanceOperation } call } access when access.Operation == user:
                // map?.Remove(key): only calls that read the same on the weak table.
                return _box is null && KeepsItsMeaning(call);

            case IPropertyReferenceOperation { Property.IsIndexer: false, Property.Name: "Count" or "Keys" or "Values" } property when property.Instance == user:
                return PlanEnumeratedProperty(property, model, document, cancellationToken);

            case IArgumentOperation { Parent: IInvocationOperation { TargetMethod: { IsExtensionMethod: true, Name: "GetValueOrDefault" } } getOrDefault } argument
                when getOrDefault.Arguments.Length is 2 or 3 && getOrDefault.Arguments[0] == argument:
                return _box is null && PlanGetValueOrDefault(getOrDefault, model, document);

            case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.IsExtensionMethod: true } extension } argument
                when extension.Arguments.Length > 0 && extension.Arguments[0] == argument && IsPairSequence(argument.Parameter?.Type):
                // LINQ over the entries binds to the weak table's IEnumerable<KeyValuePair<TKey, TValue>> as well.
                return _box is null && EnumeratesPairs();

            case IInvocationOperation { TargetMethod.Name: "TryGetValue", Arguments.Length: 2, Parent: IExpressionStatementOperation { Syntax: ExpressionStatementSyntax statement } } tryGet
                when tryGet.Instance == fieldReference && _box is not null && tryGet.Arguments[1].Value is not IDiscardOperation && !IsIncomplete(statement):
                return PlanBoxedTryGetValue(tryGet, statement, model, document);

            case IInvocationOperation { TargetMethod.Name: "TryGetValue", Arguments.Length: 2, Syntax: InvocationExpressionSyntax { Parent: IfStatementSyntax condition } tryGetSyntax } tryGet
                when tryGet.Instance == fieldReference && _box is not null && condition.Condition == tryGetSyntax && !IsIncomplete(tryGetSyntax):
                return PlanBoxedTryGetCondition(tryGetSyntax, condition, model, document, cancellationToken);

            case IInvocationOperation { Syntax: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax } syntax } invocation
                when invocation.Instance == fieldReference && !IsIncomplete(syntax):
                return syntax.ArgumentList.Arguments.All(argument => argument.NameColon is null)
                    ? PlanCall(invocation, syntax, document)
                    : _box is null && KeepsItsMeaning(invocation);

            case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer when indexer.Instance == fieldReference:
                return PlanIndexer(indexer, document);

            default:
                return false;
        }
    }

    private bool PlanIndexer(IPropertyReferenceOperation indexer, DocumentId document)
    {
        if (indexer.Syntax is not ElementAccessExpressionSyntax access || IsIncomplete(access))
        {
            return false;
        }

        if (indexer.Parent is ISimpleAssignmentOperation { Parent: IExpressionStatementOperation, Syntax: AssignmentExpressionSyntax assignment } store &&
            store.Target == indexer)
        {
            if (IsIncomplete(assignment))
            {
                return false;
            }

            // map[key] = value;  ->  map.AddOrUpdate(key, value);
            _plan.Add(document, assignment, rewritten => AddOrUpdateFor((AssignmentExpressionSyntax)rewritten).WithTriviaFrom(rewritten));
            return HasMethod("AddOrUpdate", 2);
        }

        if (indexer.Parent is ISimpleAssignmentOperation { Syntax: AssignmentExpressionSyntax valueUsed } usedStore && usedStore.Target == indexer && !IsIncomplete(valueUsed))
        {
            // _ = map[key] = value;  or  return map[key] = value;
            return HasMethod("AddOrUpdate", 2) &&
                PlanStoreWhoseValueIsUsed(usedStore, valueUsed, usedStore.Value, rewritten => AddOrUpdateFor((AssignmentExpressionSyntax)rewritten), document);
        }

        var updatedInPlace = indexer.Parent is ICompoundAssignmentOperation { Target: var updated } && updated == indexer || indexer.Parent is IIncrementOrDecrementOperation;
        if (updatedInPlace && _box is null &&
            indexer.Parent is ICompoundAssignmentOperation { Parent: IExpressionStatementOperation, Syntax: AssignmentExpressionSyntax compound } &&
            CompoundOperator(compound.Kind()) != SyntaxKind.None && !IsIncomplete(compound) &&
            IsReadTwiceSafely(indexer.Arguments[0].Value))
        {
            // map[key] += value;  ->  map.AddOrUpdate(key, map.GetValue(key, _ => throw new KeyNotFoundException()) + value);
            _plan.Add(document, compound, rewritten =>
            {
                var update = (AssignmentExpressionSyntax)rewritten;
                var updatedAccess = (ElementAccessExpressionSyntax)update.Left;
                var operand = ParenthesizedExpression(update.Right.WithoutTrivia()).WithAdditionalAnnotations(Simplifier.Annotation);
                var newValue = BinaryExpression(CompoundOperator(update.Kind()), ReadOrThrow(updatedAccess), operand);
                return Call(updatedAccess.Expression, "AddOrUpdate", updatedAccess.ArgumentList.Arguments.Add(Argument(newValue)))
                    .WithTriviaFrom(update)
                    .WithAdditionalAnnotations(Formatter.Annotation);
            });
            return HasMethod("AddOrUpdate", 2) && HasMethod("GetValue", 2);
        }

        if (updatedInPlace && IsIncomplete(indexer.Parent!.Syntax) ||
            indexer.Parent is IAssignmentOperation { Target: var target } && target == indexer && !(updatedInPlace && _box is not null) ||
            indexer.Parent is IIncrementOrDecrementOperation && _box is null ||
            access.Parent is ArgumentSyntax { RefKindKeyword.RawKind: not (int)SyntaxKind.None } or RefExpressionSyntax)
        {
            return false;
        }

        // A read: the entry or KeyNotFoundException, as the indexer does; a boxed value is updated in its box (map[key]++).
        _plan.Add(document, access, rewritten => Unboxed(ReadOrThrow((ElementAccessExpressionSyntax)rewritten)).WithTriviaFrom(rewritten));
        return HasMethod("GetValue", 2);
    }

    /// <summary><c>map[key]</c> -> <c>map.GetValue(key, _ => throw new KeyNotFoundException())</c>.</summary>
    private static InvocationExpressionSyntax ReadOrThrow(ElementAccessExpressionSyntax read)
    {
        var missing = ParseExpression("_ => throw new global::System.Collections.Generic.KeyNotFoundException()")
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        return Call(read.Expression.WithoutTrivia(), "GetValue", read.ArgumentList.Arguments.Add(Argument(missing)));
    }

    private static SyntaxKind CompoundOperator(SyntaxKind assignment) => assignment switch
    {
        SyntaxKind.AddAssignmentExpression => SyntaxKind.AddExpression,
        SyntaxKind.SubtractAssignmentExpression => SyntaxKind.SubtractExpression,
        SyntaxKind.MultiplyAssignmentExpression => SyntaxKind.MultiplyExpression,
        SyntaxKind.DivideAssignmentExpression => SyntaxKind.DivideExpression,
        SyntaxKind.ModuloAssignmentExpression => SyntaxKind.ModuloExpression,
        SyntaxKind.AndAssignmentExpression => SyntaxKind.BitwiseAndExpression,
        SyntaxKind.OrAssignmentExpression => SyntaxKind.BitwiseOrExpression,
        SyntaxKind.ExclusiveOrAssignmentExpression => SyntaxKind.ExclusiveOrExpression,
        SyntaxKind.LeftShiftAssignmentExpression => SyntaxKind.LeftShiftExpression,
        SyntaxKind.RightShiftAssignmentExpression => SyntaxKind.RightShiftExpression,
        _ => SyntaxKind.None,
    };

    private bool PlanCall(IInvocationOperation invocation, InvocationExpressionSyntax syntax, DocumentId document)
    {
        var arguments = invocation.Arguments;
        switch (invocation.TargetMethod.Name, arguments.Length)
        {
            case ("TryGetValue", 2) when _box is null || arguments[1].Value is IDiscardOperation:
            case ("Remove", 1):
            case ("Clear", 0):
                // Same name, arguments and meaning on the weak table.
                return HasMethod(invocation.TargetMethod.Name, arguments.Length);

            case ("TryAdd", 2):
            case ("Add", 2):
                if (_box is not null)
                {
                    _plan.Add(document, syntax, rewritten => BoxSecondArgument((InvocationExpressionSyntax)rewritten));
                }

                return HasMethod(invocation.TargetMethod.Name, arguments.Length);

            case ("ContainsKey", 1):
                _plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "TryGetValue", argumentList => argumentList.AddArguments(DiscardOut())));
                return true;

            case ("GetOrAdd", 2) when _box is null && arguments[1].Value is IDelegateCreationOperation:
                // A lambda or method group converts to CreateValueCallback; a Func<,> variable would not.
                _plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "GetValue", argumentList => argumentList));
                return true;

            case ("GetOrAdd", 2) when _box is null && arguments[1].Value.Type?.TypeKind == TypeKind.Delegate:
                // A Func<,> variable: its Invoke method converts to CreateValueCallback, and is read when the call is made, as before.
                _plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "GetValue", argumentList =>
                    argumentList.WithArguments(argumentList.Arguments.Replace(
                        argumentList.Arguments[1],
                        argumentList.Arguments[1].WithExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Parenthesized(argumentList.Arguments[1].Expression), IdentifierName("Invoke")))))));
                return true;

            case ("GetOrAdd", 2) when CanDefer(arguments[1].Value):
                // GetOrAdd(key, value)  ->  GetValue(key, _ => value): the value is only built when the entry is missing.
                _plan.Add(document, syntax, rewritten => Unboxed(Rename((InvocationExpressionSyntax)rewritten, "GetValue", argumentList =>
                    argumentList.WithArguments(argumentList.Arguments.Replace(
                        argumentList.Arguments[1],
                        Argument(SimpleLambdaExpression(Parameter(Identifier("_")), Boxed(argumentList.Arguments[1].Expression.WithoutTrivia()))).WithTriviaFrom(argumentList.Arguments[1]))))));
                return true;

            case ("AddOrUpdate", 3) when invocation.Parent is IExpressionStatementOperation && UpdatesToTheAddedValue(arguments[1].Value, arguments[2].Value) && HasMethod("AddOrUpdate", 2):
                // map.AddOrUpdate(key, value, (_, _) => value);  ->  map.AddOrUpdate(key, value);
                _plan.Add(document, syntax, rewritten => TwoArgumentAddOrUpdate((InvocationExpressionSyntax)rewritten));
                return true;

            case ("AddOrUpdate", 3) when UpdatesToTheAddedValue(arguments[1].Value, arguments[2].Value) && HasMethod("AddOrUpdate", 2):
                // return map.AddOrUpdate(key, value, (_, _) => value);  ->  map.AddOrUpdate(key, value); return value;
                return PlanStoreWhoseValueIsUsed(invocation, syntax, arguments.First(argument => argument.Parameter?.Ordinal == 1).Value, rewritten => TwoArgumentAddOrUpdate((InvocationExpressionSyntax)rewritten), document);

            case ("AddOrUpdate", 3) when invocation.Parent is IExpressionStatementOperation && KeepsTheExistingValue(arguments[2].Value) && HasMethod("TryAdd", 2):
                // map.AddOrUpdate(key, value, (_, existing) => existing);  ->  map.TryAdd(key, value);
                _plan.Add(document, syntax, rewritten => BoxSecondArgument(Rename((InvocationExpressionSyntax)rewritten, "TryAdd", argumentList => argumentList.WithArguments(argumentList.Arguments.RemoveAt(2)))));
                return true;

            case ("TryRemove", 2) or ("Remove", 2) when arguments[1].Value is IDiscardOperation:
                _plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "Remove", argumentList => argumentList.WithArguments(SingletonSeparatedList(argumentList.Arguments[0]))));
                return true;

            case ("TryRemove", 2) or ("Remove", 2) when _box is null && IsReadTwiceSafely(arguments[0].Value):
                return PlanRemoveWithValue(invocation, syntax, document);

            default:
                return false;
        }
    }

    /// <summary>
    /// <c>TryRemove(key, out v)</c> has no single counterpart: <c>TryGetValue(key, out v) &amp;&amp; Remove(key)</c>
    /// in an expression, and <c>if (TryGetValue(key, out v)) { Remove(key); }</c> as a statement.
    /// </summary>
    private bool PlanRemoveWithValue(IInvocationOperation invocation, InvocationExpressionSyntax syntax, DocumentId document)
    {
        if (invocation.Parent is IExpressionStatementOperation { Syntax: ExpressionStatementSyntax statement })
        {
            _plan.Add(document, statement, rewritten =>
            {
                var call = (InvocationExpressionSyntax)((ExpressionStatementSyntax)rewritten).Expression;
                var (tryGet, remove) = SplitRemove(call);
                return IfStatement(tryGet, Block(ExpressionStatement(remove)))
                    .WithTriviaFrom(rewritten)
                    .WithAdditionalAnnotations(Formatter.Annotation);
            });
            return true;
        }

        _plan.Add(document, syntax, rewritten =>
        {
            var (tryGet, remove) = SplitRemove((InvocationExpressionSyntax)rewritten);
            return ParenthesizedExpression(BinaryExpression(SyntaxKind.LogicalAndExpression, tryGet, remove))
                .WithTriviaFrom(rewritten)
                .WithAdditionalAnnotations(Simplifier.Annotation);
        });
        return true;
    }

    /// <summary>A call with the same name, parameters and meaning on the weak table: named arguments and <c>?.</c> stay as written.</summary>
    private bool KeepsItsMeaning(IInvocationOperation call) =>
        call.TargetMethod.Name is "TryGetValue" or "Remove" or "Clear" or "TryAdd" or "Add" &&
        call.Arguments.All(argument => argument.ArgumentKind == ArgumentKind.Explicit) &&
        _weakTable.GetMembers(call.TargetMethod.Name).OfType<IMethodSymbol>().Any(method =>
            method.DeclaredAccessibility == Accessibility.Public &&
            method.Parameters.Select(parameter => (parameter.Name, parameter.RefKind)).SequenceEqual(call.TargetMethod.Parameters.Select(parameter => (parameter.Name, parameter.RefKind))));

    /// <summary>An update lambda that returns the value already there (<c>(_, existing) => existing</c>): adding only when missing.</summary>
    private static bool KeepsTheExistingValue(IOperation update) =>
        update is IDelegateCreationOperation { Target: IAnonymousFunctionOperation { Symbol.Parameters.Length: 2 } function } &&
        function.Body.Operations is { Length: 1 } body &&
        body[0] is IReturnOperation { ReturnedValue: { } returned } &&
        OperationNavigation.SkipConversions(returned) is IParameterReferenceOperation existing &&
        SymbolEqualityComparer.Default.Equals(existing.Parameter, function.Symbol.Parameters[1]);

    private static ExpressionSyntax Parenthesized(ExpressionSyntax expression) =>
        expression is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ParenthesizedExpressionSyntax
            ? expression
            : ParenthesizedExpression(expression);

    private static (ExpressionSyntax TryGet, ExpressionSyntax Remove) SplitRemove(InvocationExpressionSyntax call)
    {
        var receiver = ((MemberAccessExpressionSyntax)call.Expression).Expression.WithoutTrivia();
        var arguments = call.ArgumentList.Arguments;
        return (
            Call(receiver, "TryGetValue", SeparatedList(arguments.Select(argument => argument.WithoutTrivia()))),
            Call(receiver, "Remove", SingletonSeparatedList(arguments[0].WithoutTrivia())));
    }

    private static InvocationExpressionSyntax Call(ExpressionSyntax receiver, string name, SeparatedSyntaxList<ArgumentSyntax> arguments) =>
        InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, IdentifierName(name)), ArgumentList(arguments));

    /// <summary>A key read a second time gives the same object: a local, parameter, <c>this</c> or a member read of one.</summary>
    private static bool IsReadTwiceSafely(IOperation key)
    {
        var current = OperationNavigation.SkipConversions(key);
        for (var depth = 0; depth < 8; depth++)
        {
            switch (current)
            {
                case ILocalReferenceOperation or IParameterReferenceOperation or IInstanceReferenceOperation or ILiteralOperation:
                    return true;
                case IFieldReferenceOperation { Instance: null } or IPropertyReferenceOperation { Instance: null, Arguments.Length: 0 }:
                    return true;
                case IFieldReferenceOperation { Instance: { } instance }:
                    current = OperationNavigation.SkipConversions(instance);
                    continue;
                case IPropertyReferenceOperation { Instance: { } instance, Arguments.Length: 0 }:
                    current = OperationNavigation.SkipConversions(instance);
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>A value that may be built later, or not at all, without changing what the code does.</summary>
    private static bool CanDefer(IOperation value) => OperationNavigation.SkipConversions(value) switch
    {
        ILiteralOperation or IDefaultValueOperation => true,
        ILocalReferenceOperation { Local.IsRef: false } => true,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } => true,
        IObjectCreationOperation creation => creation.Initializer is null && creation.Arguments.All(argument => CanDefer(argument.Value)),
        _ => false,
    };

    /// <summary>A use the parser could not make sense of cannot be rewritten into anything better.</summary>
    private static bool IsIncomplete(SyntaxNode use) =>
        use.ContainsDiagnostics || use.DescendantTokens().Any(token => token.IsMissing);

    /// <summary>An update lambda that returns the very value being added (same local, parameter or constant): plain overwrite.</summary>
    private static bool UpdatesToTheAddedValue(IOperation added, IOperation update)
    {
        if (update is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation { Body.Operations: { Length: 1 } body } } ||
            body[0] is not IReturnOperation { ReturnedValue: { } returned })
        {
            return false;
        }

        return (OperationNavigation.SkipConversions(added), OperationNavigation.SkipConversions(returned)) switch
        {
            (ILocalReferenceOperation a, ILocalReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Local, b.Local),
            (IParameterReferenceOperation a, IParameterReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Parameter, b.Parameter),
            (ILiteralOperation a, ILiteralOperation b) => a.ConstantValue.HasValue && b.ConstantValue.HasValue && Equals(a.ConstantValue.Value, b.ConstantValue.Value),
            _ => false,
        };
    }

    private static InvocationExpressionSyntax Rename(InvocationExpressionSyntax invocation, string name, Func<ArgumentListSyntax, ArgumentListSyntax> arguments)
    {
        var memberAccess = (MemberAccessExpressionSyntax)invocation.Expression;
        return invocation
            .WithExpression(memberAccess.WithName(IdentifierName(name).WithTriviaFrom(memberAccess.Name)))
            .WithArgumentList(arguments(invocation.ArgumentList));
    }

    /// <summary>Parsed, not built: only the parser gives '_' the contextual kind that makes it a discard.</summary>
    private static ArgumentSyntax DiscardOut() => ParseArgumentList("(out _)").Arguments[0];

    private bool HasMethod(string name, int parameterCount) =>
        _weakTable.GetMembers(name).OfType<IMethodSymbol>().Any(method => method.DeclaredAccessibility == Accessibility.Public && method.Parameters.Length == parameterCount);
}
