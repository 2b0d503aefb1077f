using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
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
/// </list>
/// </summary>
internal sealed class ConditionalWeakTableUses
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

    /// <summary><c>s_users</c>, <c>_users</c>, <c>Users</c> -> <c>users</c>: the value found in the field.</summary>
    private static string ValueNameFor(string fieldName)
    {
        var trimmed = fieldName.StartsWith("s_", StringComparison.Ordinal) || fieldName.StartsWith("m_", StringComparison.Ordinal) ? fieldName.Substring(2) : fieldName.TrimStart('_');
        return trimmed.Length == 0 ? "found" : char.ToLowerInvariant(trimmed[0]) + trimmed.Substring(1) + "Value";
    }

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
            CompoundOperator(compound.Kind()) != SyntaxKind.None &&
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

        if (indexer.Parent is IAssignmentOperation { Target: var target } && target == indexer && !(updatedInPlace && _box is not null) ||
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

    /// <summary>
    /// <c>foreach (var pair in map)</c> over boxed values: the loop reads <c>pair.Key</c> and
    /// <c>pair.Value</c> only, and each <c>pair.Value</c> becomes <c>pair.Value.Value</c>.
    /// </summary>
    private bool PlanBoxedLoop(CommonForEachStatementSyntax loop, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        if (loop is not ForEachStatementSyntax { Type.IsVar: true } typed || model.GetDeclaredSymbol(typed, cancellationToken) is not { } pair)
        {
            return false;
        }

        var reads = new List<MemberAccessExpressionSyntax>();
        foreach (var identifier in loop.Statement.DescendantNodes().OfType<IdentifierNameSyntax>().Where(identifier => identifier.Identifier.ValueText == pair.Name))
        {
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, pair))
            {
                continue;
            }

            if (identifier.Parent is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Key" or "Value" } member || member.Expression != identifier)
            {
                return false;
            }

            if (member.Name.Identifier.ValueText == "Value")
            {
                reads.Add(member);
            }
        }

        foreach (var read in reads)
        {
            _plan.Add(document, read, rewritten => Unboxed(((ExpressionSyntax)rewritten).WithoutTrivia()).WithTriviaFrom(rewritten));
        }

        return true;
    }

    /// <summary>
    /// <c>map.GetValueOrDefault(key)</c> -> <c>(map.TryGetValue(key, out var found) ? found : default)</c>
    /// (or the default given): the weak table has no such method, and <c>GetValue</c> would add the entry.
    /// </summary>
    private bool PlanGetValueOrDefault(IInvocationOperation call, SemanticModel model, DocumentId document)
    {
        if (call.Syntax is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax, ArgumentList.Arguments: var arguments } syntax ||
            arguments.Any(argument => argument.NameColon is not null) ||
            IsIncomplete(syntax) ||
            ((CSharpParseOptions)syntax.SyntaxTree.Options).LanguageVersion < LanguageVersion.CSharp7_1)
        {
            return false;
        }

        var name = NewLocal(_valueName, syntax, model);
        _plan.Add(document, syntax, rewritten =>
        {
            var invocation = (InvocationExpressionSyntax)rewritten;
            var receiver = ((MemberAccessExpressionSyntax)invocation.Expression).Expression.WithoutTrivia();
            var key = invocation.ArgumentList.Arguments[0].WithoutTrivia();
            var fallback = invocation.ArgumentList.Arguments.Count > 1
                ? invocation.ArgumentList.Arguments[1].Expression.WithoutTrivia()
                : LiteralExpression(SyntaxKind.DefaultLiteralExpression);
            var tryGet = Call(receiver, "TryGetValue", SeparatedList(new[] { key, OutVar(name) }));
            return ParenthesizedExpression(ConditionalExpression(tryGet, IdentifierName(name), fallback))
                .WithTriviaFrom(invocation)
                .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        });
        return HasMethod("TryGetValue", 2);
    }

    /// <summary>
    /// <c>map.TryGetValue(key, out var count);</c> (a statement) with boxed values ->
    /// <c>var count = map.TryGetValue(key, out var countBox) ? countBox.Value : default;</c>: <c>count</c>
    /// keeps its type and its value, <c>default</c> when the key is missing.
    /// </summary>
    private bool PlanBoxedTryGetValue(IInvocationOperation tryGet, ExpressionStatementSyntax statement, SemanticModel model, DocumentId document)
    {
        if (tryGet.Syntax is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax, ArgumentList.Arguments: var arguments } ||
            arguments.Any(argument => argument.NameColon is not null) ||
            arguments[1].Expression is not (DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax } or IdentifierNameSyntax) ||
            ((CSharpParseOptions)statement.SyntaxTree.Options).LanguageVersion < LanguageVersion.CSharp7_1)
        {
            return false;
        }

        var variable = arguments[1].Expression is DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax single } ? single.Identifier.ValueText : ((IdentifierNameSyntax)arguments[1].Expression).Identifier.ValueText;
        var box = NewLocal(variable + "Box", statement, model);
        _plan.Add(document, statement, rewritten =>
        {
            var call = (InvocationExpressionSyntax)((ExpressionStatementSyntax)rewritten).Expression;
            var receiver = ((MemberAccessExpressionSyntax)call.Expression).Expression.WithoutTrivia();
            var key = call.ArgumentList.Arguments[0].WithoutTrivia();
            var read = ConditionalExpression(
                Call(receiver, "TryGetValue", SeparatedList(new[] { key, OutVar(box) })),
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(box), IdentifierName("Value")),
                LiteralExpression(SyntaxKind.DefaultLiteralExpression));
            StatementSyntax replacement = call.ArgumentList.Arguments[1].Expression is DeclarationExpressionSyntax declaration
                ? LocalDeclarationStatement(VariableDeclaration(declaration.Type.WithoutTrivia(), SingletonSeparatedList(VariableDeclarator(Identifier(variable)).WithInitializer(EqualsValueClause(read)))))
                : ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(variable), read));
            return replacement.WithTriviaFrom(rewritten).WithAdditionalAnnotations(Formatter.Annotation);
        });
        return HasMethod("TryGetValue", 2);
    }

    /// <summary>
    /// <c>if (map.TryGetValue(key, out var started)) { ... started ... }</c> with boxed values: the box
    /// is the out variable (<c>startedBox</c>), and each read of <c>started</c>, all inside the
    /// <c>if</c>, where the key was found, reads <c>startedBox.Value</c>.
    /// </summary>
    private bool PlanBoxedTryGetCondition(InvocationExpressionSyntax tryGet, IfStatementSyntax condition, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        if (tryGet.ArgumentList.Arguments.Count != 2 ||
            tryGet.ArgumentList.Arguments[1] is not { Expression: DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax designation } declaration } outArgument ||
            tryGet.ArgumentList.Arguments.Any(argument => argument.NameColon is not null) ||
            model.GetDeclaredSymbol(designation, cancellationToken) is not ILocalSymbol found ||
            condition.Parent is null)
        {
            return false;
        }

        var reads = new List<IdentifierNameSyntax>();
        foreach (var identifier in condition.Parent.DescendantNodes().OfType<IdentifierNameSyntax>().Where(identifier => identifier.Identifier.ValueText == found.Name))
        {
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, found))
            {
                continue;
            }

            // Only reads where the key was found: a read after the if would see null instead of default.
            if (!condition.Statement.Span.Contains(identifier.Span) ||
                identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Left == identifier ||
                identifier.Parent is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax ||
                identifier.Parent is ArgumentSyntax { RefKindKeyword.RawKind: not (int)SyntaxKind.None } ||
                identifier.Parent is RefExpressionSyntax)
            {
                return false;
            }

            reads.Add(identifier);
        }

        var box = NewLocal(found.Name + "Box", condition, model);
        _plan.Add(document, outArgument, rewritten => ((ArgumentSyntax)rewritten).WithExpression(
            DeclarationExpression(IdentifierName(Identifier(declaration.Type.GetLeadingTrivia(), SyntaxKind.VarKeyword, "var", "var", declaration.Type.GetTrailingTrivia())), SingleVariableDesignation(Identifier(box)))));
        foreach (var read in reads)
        {
            _plan.Add(document, read, rewritten => MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(box), IdentifierName("Value")).WithTriviaFrom(rewritten));
        }

        return true;
    }

    /// <summary>A local name free at <paramref name="position"/> and not yet given by this plan in the same member.</summary>
    private string NewLocal(string preferred, SyntaxNode position, SemanticModel model)
    {
        var member = position.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
        var name = LocalNames.Unique(preferred, position, model);
        for (var suffix = 2; !_localsGiven.Add((member, name)); suffix++)
        {
            name = LocalNames.Unique(preferred + suffix, position, model);
        }

        return name;
    }

    private static ArgumentSyntax OutVar(string name) =>
        Argument(DeclarationExpression(IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())), SingleVariableDesignation(Identifier(name))))
            .WithRefKindKeyword(Token(SyntaxKind.OutKeyword));

    /// <summary>
    /// <c>map.Count</c> -> <c>map.Count()</c>; <c>map.Keys</c> / <c>map.Values</c> -> <c>map.Select(pair => pair.Key)</c> /
    /// <c>.Value</c> where a sequence is all the code asks for (a <c>foreach</c>, LINQ, an <c>IEnumerable&lt;T&gt;</c>
    /// parameter, a discard). The weak table counts and lists its entries by enumerating them: there is no
    /// cheaper form, and none that keeps a live view.
    /// </summary>
    private bool PlanEnumeratedProperty(IPropertyReferenceOperation property, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        if (property.Syntax is not MemberAccessExpressionSyntax access || !EnumeratesPairs() ||
            property.Property.Name == "Values" && _box is not null ||
            property.Property.Name != "Count" && !ReadsOnlyAsSequence(property))
        {
            return false;
        }

        var name = property.Property.Name;
        // The lambda's parameter only has to differ from what is in scope: sibling lambdas may share it.
        var pair = new[] { "pair", "entry" }.Concat(Enumerable.Range(2, 8).Select(suffix => "pair" + suffix))
            .First(candidate => model.LookupSymbols(access.SpanStart, name: candidate).IsEmpty);
        _plan.Add(document, access, rewritten =>
        {
            var receiver = ((MemberAccessExpressionSyntax)rewritten).Expression;
            return (name == "Count"
                    ? Call(receiver, "Count", default)
                    : Call(receiver, "Select", SingletonSeparatedList(Argument(SimpleLambdaExpression(
                        Parameter(Identifier(pair)),
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(pair), IdentifierName(name == "Keys" ? "Key" : "Value")))))))
                .WithTriviaFrom(rewritten)
                .WithAdditionalAnnotations(Formatter.Annotation);
        });
        ImportLinq(model, access, document, cancellationToken);
        return true;
    }

    /// <summary>The property's value is only enumerated: the collection of a <c>foreach</c>, LINQ's source, an <c>IEnumerable&lt;T&gt;</c> argument, or discarded.</summary>
    private static bool ReadsOnlyAsSequence(IOperation value)
    {
        var user = OperationNavigation.SkipTransparentParents(value);
        return user.Parent switch
        {
            IForEachLoopOperation loop => loop.Collection == user || OperationNavigation.SkipConversions(loop.Collection) == value,
            IArgumentOperation { Parameter.Type: INamedTypeSymbol { TypeArguments.Length: 1 } parameterType } =>
                parameterType.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T,
            ISimpleAssignmentOperation { Target: IDiscardOperation } => true,
            _ => false,
        };
    }

    /// <summary>Adds <c>using System.Linq;</c> to the document when the extension methods are not imported at <paramref name="use"/>.</summary>
    private void ImportLinq(SemanticModel model, SyntaxNode use, DocumentId document, CancellationToken cancellationToken)
    {
        if (model.GetImportScopes(use.SpanStart, cancellationToken).Any(scope => scope.Imports.Any(import => import.NamespaceOrType.ToDisplayString() == "System.Linq")) ||
            use.SyntaxTree.GetRoot(cancellationToken) is not CompilationUnitSyntax root)
        {
            return;
        }

        _plan.Add(document, root, rewritten =>
        {
            var unit = (CompilationUnitSyntax)rewritten;
            if (unit.Usings.Any(directive => directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name?.ToString() == "System.Linq"))
            {
                return unit;
            }

            // System namespaces first, then alphabetical: where a reviewer would put it.
            static (bool, string) Order(string name) => (!(name == "System" || name.StartsWith("System.", StringComparison.Ordinal)), name);
            var linq = UsingDirective(ParseName("System.Linq")).WithTrailingTrivia(EndOfLine(Layout.NewLineOf(unit)));
            var next = unit.Usings.FirstOrDefault(directive => directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name is not null &&
                Comparer<(bool, string)>.Default.Compare(Order(directive.Name.ToString()), Order("System.Linq")) > 0);
            return next is null
                ? unit.AddUsings(linq)
                : unit.WithUsings(unit.Usings.Insert(unit.Usings.IndexOf(next), linq));
        });
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

    /// <summary><c>map[key] = value</c> -> <c>map.AddOrUpdate(key, value)</c>.</summary>
    private ExpressionSyntax AddOrUpdateFor(AssignmentExpressionSyntax write)
    {
        var writtenAccess = (ElementAccessExpressionSyntax)write.Left;
        return Call(writtenAccess.Expression.WithoutTrivia(), "AddOrUpdate", writtenAccess.ArgumentList.Arguments.Add(Argument(Boxed(write.Right.WithoutTrivia()))));
    }

    private InvocationExpressionSyntax TwoArgumentAddOrUpdate(InvocationExpressionSyntax call) =>
        BoxSecondArgument(Rename(call, "AddOrUpdate", argumentList => argumentList.WithArguments(argumentList.Arguments.RemoveAt(2))));

    /// <summary>
    /// A store whose value is used, where the weak table's <c>AddOrUpdate</c> returns nothing: the store
    /// becomes a statement and the value (a local, parameter or constant: reading it again gives the
    /// same) is used after it. <c>_ = store;</c> -> <c>store;</c>; <c>return store;</c> -> <c>store; return value;</c>;
    /// <c>T M(...) => store;</c> -> <c>{ store; return value; }</c>.
    /// </summary>
    private bool PlanStoreWhoseValueIsUsed(IOperation store, ExpressionSyntax use, IOperation storedValue, Func<SyntaxNode, ExpressionSyntax> asStatement, DocumentId document)
    {
        if (storedValue.Syntax is not ExpressionSyntax value)
        {
            return false;
        }

        var marker = new SyntaxAnnotation();
        ExpressionSyntax Store(SyntaxNode rewritten) => asStatement(rewritten.GetAnnotatedNodes(marker).Single());

        switch (store.Parent)
        {
            case ISimpleAssignmentOperation { Target: IDiscardOperation, Parent: IExpressionStatementOperation { Syntax: ExpressionStatementSyntax discard } }:
                _plan.Add(document, use, rewritten => rewritten.WithAdditionalAnnotations(marker));
                _plan.Add(document, discard, rewritten => ExpressionStatement(Store(rewritten)).WithTriviaFrom(rewritten));
                return true;

            case IReturnOperation { Syntax: ReturnStatementSyntax { Parent: BlockSyntax block } returned } when IsSameOnEveryRead(storedValue):
                var returnMarker = new SyntaxAnnotation();
                _plan.Add(document, use, rewritten => rewritten.WithAdditionalAnnotations(marker));
                _plan.Add(document, returned, rewritten => rewritten.WithAdditionalAnnotations(returnMarker));
                _plan.Add(document, block, rewritten =>
                {
                    var current = (BlockSyntax)rewritten;
                    var returning = current.Statements.First(statement => statement.HasAnnotation(returnMarker));
                    var split = new StatementSyntax[]
                    {
                        ExpressionStatement(Store(returning)).WithLeadingTrivia(returning.GetLeadingTrivia()).WithTrailingTrivia(EndOfLine(Layout.NewLineOf(returning))),
                        ReturnStatement(value.WithoutTrivia()).WithLeadingTrivia(Layout.Indentation(returning)).WithTrailingTrivia(returning.GetTrailingTrivia()),
                    };
                    return current.WithStatements(current.Statements.ReplaceRange(returning, split));
                });
                return true;

            case IReturnOperation { IsImplicit: true } when IsSameOnEveryRead(storedValue) &&
                use.Parent is ArrowExpressionClauseSyntax { Parent: BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax } arrow:
                _plan.Add(document, use, rewritten => rewritten.WithAdditionalAnnotations(marker));
                _plan.Add(document, arrow.Parent!, rewritten =>
                {
                    var body = Block(ExpressionStatement(Store(rewritten)), ReturnStatement(value.WithoutTrivia()));
                    SyntaxNode withBody = rewritten switch
                    {
                        BaseMethodDeclarationSyntax method => method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
                        LocalFunctionStatementSyntax function => function.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
                        _ => ((AccessorDeclarationSyntax)rewritten).WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
                    };
                    return withBody.WithTrailingTrivia(rewritten.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
                });
                return true;

            default:
                return false;
        }
    }

    /// <summary><c>value</c> -> <c>new StrongBox&lt;V&gt;(value)</c> when values are boxed.</summary>
    private ExpressionSyntax Boxed(ExpressionSyntax value) =>
        _box is null
            ? value
            : ObjectCreationExpression(_box.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation))
                .WithArgumentList(ArgumentList(SingletonSeparatedList(Argument(value))));

    /// <summary><c>read</c> -> <c>read.Value</c> when values are boxed.</summary>
    private ExpressionSyntax Unboxed(ExpressionSyntax read) =>
        _box is null ? read : MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, read, IdentifierName("Value"));

    private InvocationExpressionSyntax BoxSecondArgument(InvocationExpressionSyntax call)
    {
        var arguments = call.ArgumentList.Arguments;
        return call.WithArgumentList(call.ArgumentList.WithArguments(arguments.Replace(arguments[1], arguments[1].WithExpression(Boxed(arguments[1].Expression)))));
    }

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

    /// <summary>A value read again gives the same: a constant, a local or a parameter (not a property such as <c>DateTime.UtcNow</c>).</summary>
    private static bool IsSameOnEveryRead(IOperation value) => OperationNavigation.SkipConversions(value) switch
    {
        { ConstantValue.HasValue: true } => true,
        ILocalReferenceOperation { Local.IsRef: false } => true,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } => true,
        _ => false,
    };

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

    /// <summary>The weak table enumerates <c>KeyValuePair&lt;TKey, TValue&gt;</c> (not on .NET Framework).</summary>
    private bool EnumeratesPairs() => _weakTable.AllInterfaces.Any(candidate => candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);

    /// <summary>An extension method's receiver type the weak table converts to: <c>IEnumerable&lt;KeyValuePair&lt;TKey, TValue&gt;&gt;</c>.</summary>
    private static bool IsPairSequence(ITypeSymbol? type) =>
        type is INamedTypeSymbol { TypeArguments.Length: 1 } sequence &&
        sequence.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T &&
        sequence.TypeArguments[0] is INamedTypeSymbol { Name: "KeyValuePair", TypeArguments.Length: 2 };

    private bool HasMethod(string name, int parameterCount) =>
        _weakTable.GetMembers(name).OfType<IMethodSymbol>().Any(method => method.DeclaredAccessibility == Accessibility.Public && method.Parameters.Length == parameterCount);
}
