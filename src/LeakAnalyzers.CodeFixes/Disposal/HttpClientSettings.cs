using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 shared-client fix: what a per-call client is configured with, split into what the
/// shared client can take once (constant settings, constant default headers, a handler built from
/// constants) and what differs per call (a header or base address computed from the call), which
/// then goes onto each request instead.
/// </summary>
internal sealed class HttpClientSettings
{
    private static readonly HashSet<string> ConfigurableProperties = new()
    {
        "BaseAddress", "Timeout", "MaxResponseContentBufferSize", "DefaultRequestVersion", "DefaultVersionPolicy",
    };

    private readonly SemanticModel _model;
    private readonly int _position;
    private readonly CancellationToken _cancellationToken;
    private readonly List<(string Property, ExpressionSyntax Value)> _shared = new();
    private readonly List<InitializerExpressionSyntax> _headerEntries = new();
    private readonly List<(string Member, ExpressionSyntax Value)> _headerMembers = new();

    /// <param name="position">Where the client is created: names are looked up there.</param>
    public HttpClientSettings(SemanticModel model, int position, CancellationToken cancellationToken)
    {
        _model = model;
        _position = position;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The constructor arguments the shared client is built with (a handler), or null for the pooled default.</summary>
    public ArgumentListSyntax? ConstructorArguments { get; private set; }

    /// <summary>The declaration of the handler local whose value moved into <see cref="ConstructorArguments"/>.</summary>
    public LocalDeclarationStatementSyntax? InlinedHandler { get; private set; }

    /// <summary><c>request.Headers.Add(name, value)</c> for each header whose value is computed per call.</summary>
    public List<(ExpressionSyntax Name, ExpressionSyntax Value)> PerCallHeaders { get; } = new();

    /// <summary>A base address computed per call: each request URI is resolved against it.</summary>
    public ExpressionSyntax? PerCallBaseAddress { get; private set; }

    /// <summary>An <c>Authorization</c> header computed per call.</summary>
    public ExpressionSyntax? PerCallAuthorization { get; private set; }

    /// <summary>A timeout computed per call: a <c>CancellationTokenSource</c> with it bounds the call instead.</summary>
    public ExpressionSyntax? PerCallTimeout { get; private set; }

    public bool HasPerCallHeaders => PerCallHeaders.Count > 0 || PerCallAuthorization is not null;

    public bool IsConfiguredPerCall => HasPerCallHeaders || PerCallBaseAddress is not null || PerCallTimeout is not null;

    /// <summary>Everything the shared client's object initializer sets, as <c>Property = value</c> text pieces.</summary>
    public IEnumerable<(string Property, ExpressionSyntax Value)> FieldSettings()
    {
        foreach (var setting in _shared)
        {
            yield return setting;
        }

        // The shared client's own timeout (100 s by default) must not cut a longer per-call one short.
        if (PerCallTimeout is not null)
        {
            yield return ("Timeout", InfiniteTimeout());
        }

        // An initializer is either a collection ({ "name", "value" } entries) or an object (Accept = { ... }) initializer, never both.
        if (_headerEntries.Count > 0)
        {
            yield return ("DefaultRequestHeaders", InitializerExpression(Microsoft.CodeAnalysis.CSharp.SyntaxKind.CollectionInitializerExpression, SeparatedList<ExpressionSyntax>(_headerEntries)));
        }
        else if (_headerMembers.Count > 0)
        {
            var members = _headerMembers.GroupBy(member => member.Member).Select(group => group.Key == "Authorization"
                ? (ExpressionSyntax)ParseExpression($"Authorization = {group.Last().Value.WithoutTrivia()}")
                : ParseExpression($"{group.Key} = {{ {string.Join(", ", group.Select(member => member.Value.WithoutTrivia().ToString()))} }}"));
            yield return ("DefaultRequestHeaders", InitializerExpression(Microsoft.CodeAnalysis.CSharp.SyntaxKind.ObjectInitializerExpression, SeparatedList(members)));
        }
    }

    /// <summary>Both kinds of default header were set: no single initializer can hold them.</summary>
    public bool HasMixedHeaders => _headerEntries.Count > 0 && _headerMembers.Count > 0;

    /// <summary>Headers added and <c>Authorization</c> set per call: one request initializer cannot hold both.</summary>
    public bool HasMixedPerCallHeaders => PerCallHeaders.Count > 0 && PerCallAuthorization is not null;

    /// <summary>Constructor arguments: a handler (and <c>disposeHandler</c>) built from constants moves with the client.</summary>
    public bool ReadConstructor(BaseObjectCreationExpressionSyntax creation, LocalDeclarationStatementSyntax? handlerDeclaration)
    {
        if (creation.ArgumentList is not { Arguments.Count: > 0 } arguments)
        {
            return true;
        }

        var resolved = arguments;
        foreach (var argument in arguments.Arguments)
        {
            if (argument.RefKindKeyword.RawKind != 0)
            {
                return false;
            }

            if (handlerDeclaration is { Declaration.Variables: { Count: 1 } variables } &&
                variables[0] is { Initializer.Value: { } handler } variable &&
                argument.Expression is IdentifierNameSyntax { Identifier.ValueText: var name } &&
                name == variable.Identifier.ValueText &&
                IsIndependentOfTheCall(handler))
            {
                resolved = resolved.ReplaceNode(resolved.Arguments[arguments.Arguments.IndexOf(argument)].Expression, handler.WithoutTrivia());
                InlinedHandler = handlerDeclaration;
                continue;
            }

            if (!IsIndependentOfTheCall(argument.Expression))
            {
                return false;
            }
        }

        ConstructorArguments = resolved;
        return true;
    }

    /// <summary><c>new HttpClient { BaseAddress = ..., Timeout = ... }</c>.</summary>
    public bool ReadInitializer(InitializerExpressionSyntax initializer)
    {
        foreach (var expression in initializer.Expressions)
        {
            if (expression is not AssignmentExpressionSyntax { Left: IdentifierNameSyntax property } assignment ||
                !ReadProperty(property.Identifier.ValueText, assignment.Right))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A statement right after the declaration that configures the local: <c>client.Timeout = ...;</c>,
    /// <c>client.DefaultRequestHeaders.Add(name, value);</c>, <c>client.DefaultRequestHeaders.Accept.Add(...)</c>,
    /// <c>client.DefaultRequestHeaders.Authorization = ...;</c>. False when it is not one of them (the configuration ends there).
    /// </summary>
    public bool ReadStatement(StatementSyntax statement, string local)
    {
        if (statement is not ExpressionStatementSyntax { Expression: var expression })
        {
            return false;
        }

        switch (expression)
        {
            case AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target, Name: IdentifierNameSyntax property } } assignment
                when target.Identifier.ValueText == local:
                return ReadProperty(property.Identifier.ValueText, assignment.Right);

            case AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Authorization", Expression: var headers } } assignment
                when IsDefaultHeadersOf(headers, local):
                if (IsIndependentOfTheCall(assignment.Right))
                {
                    _headerMembers.Add(("Authorization", assignment.Right));
                }
                else
                {
                    PerCallAuthorization = assignment.Right.WithoutTrivia();
                }

                return true;

            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add", Expression: var headers }, ArgumentList.Arguments: { Count: 2 } pair }
                when IsDefaultHeadersOf(headers, local) && pair[0] is { NameColon: null } name && pair[1] is { NameColon: null } value:
                if (IsIndependentOfTheCall(name.Expression) && IsIndependentOfTheCall(value.Expression))
                {
                    _headerEntries.Add(InitializerExpression(Microsoft.CodeAnalysis.CSharp.SyntaxKind.ComplexElementInitializerExpression, SeparatedList(new[] { name.Expression.WithoutTrivia(), value.Expression.WithoutTrivia() })));
                }
                else
                {
                    PerCallHeaders.Add((name.Expression.WithoutTrivia(), value.Expression.WithoutTrivia()));
                }

                return true;

            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add", Expression: MemberAccessExpressionSyntax { Name: IdentifierNameSyntax collection, Expression: var headers } }, ArgumentList.Arguments: { Count: 1 } single }
                when IsDefaultHeadersOf(headers, local) && collection.Identifier.ValueText is "Accept" or "AcceptEncoding" or "AcceptLanguage" or "UserAgent" && IsIndependentOfTheCall(single[0].Expression):
                _headerMembers.Add((collection.Identifier.ValueText, single[0].Expression));
                return true;

            default:
                return false;
        }
    }

    private bool ReadProperty(string property, ExpressionSyntax value)
    {
        if (!ConfigurableProperties.Contains(property))
        {
            return false;
        }

        if (IsIndependentOfTheCall(value))
        {
            _shared.Add((property, value));
            return true;
        }

        // A base address computed per call resolves each request URI instead; a timeout becomes a token source.
        switch (property)
        {
            case "BaseAddress" when PerCallBaseAddress is null && IsReadTwiceSafely(value):
                PerCallBaseAddress = value.WithoutTrivia();
                return true;
            case "Timeout" when PerCallTimeout is null && _shared.All(setting => setting.Property != "Timeout"):
                PerCallTimeout = value;
                return true;
            default:
                return false;
        }
    }

    /// <summary><c>Timeout.InfiniteTimeSpan</c>, written as the file sees it so that shared fields compare equal as text.</summary>
    private ExpressionSyntax InfiniteTimeout() =>
        ParseExpression(TypeNames.AsSeenAt(_model, _position, "System.Threading.Timeout") + ".InfiniteTimeSpan");

    private static bool IsDefaultHeadersOf(ExpressionSyntax expression, string local) =>
        expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "DefaultRequestHeaders", Expression: IdentifierNameSyntax target } &&
        target.Identifier.ValueText == local;

    /// <summary>
    /// Locals, parameters, members, <c>new Uri(...)</c> and <c>TimeSpan.FromSeconds(...)</c> of them: read again at
    /// each request, they give the same value.
    /// </summary>
    public bool IsReadTwiceSafely(ExpressionSyntax expression) =>
        expression.DescendantNodesAndSelf().All(node => node is IdentifierNameSyntax or MemberAccessExpressionSyntax or ArgumentListSyntax or ArgumentSyntax or LiteralExpressionSyntax or ThisExpressionSyntax or PredefinedTypeSyntax ||
            (node is ObjectCreationExpressionSyntax creation && _model.GetTypeInfo(creation, _cancellationToken).Type?.ToDisplayString() == "System.Uri") ||
            (node is InvocationExpressionSyntax invocation && _model.GetSymbolInfo(invocation, _cancellationToken).Symbol is IMethodSymbol { IsStatic: true } factory && factory.ContainingType.ToDisplayString() == "System.TimeSpan"));

    /// <summary>An expression that means the same in a static field initializer: no locals, parameters or instance members.</summary>
    public bool IsIndependentOfTheCall(ExpressionSyntax expression)
    {
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            if (node is not SimpleNameSyntax name)
            {
                continue;
            }

            var symbol = _model.GetSymbolInfo(name, _cancellationToken).Symbol;
            switch (symbol)
            {
                case null:
                case ILocalSymbol:
                case IParameterSymbol:
                case IRangeVariableSymbol:
                    return false;
                case IFieldSymbol { IsStatic: false, IsConst: false } when !IsInitializedMember(name):
                case IPropertySymbol { IsStatic: false } when !IsMemberOfAccessedValue(name) && !IsInitializedMember(name):
                case IMethodSymbol { IsStatic: false, MethodKind: not MethodKind.Constructor } when !IsMemberOfAccessedValue(name):
                    return false;
            }
        }

        return true;

        // TimeSpan.FromSeconds(5).TotalSeconds: an instance member of a value built from constants is fine.
        static bool IsMemberOfAccessedValue(SimpleNameSyntax name) =>
            name.Parent is MemberAccessExpressionSyntax memberAccess && memberAccess.Name == name;

        // new HttpClientHandler { AllowAutoRedirect = false }: the property set by an object initializer.
        static bool IsInitializedMember(SimpleNameSyntax name) =>
            name.Parent is AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax } assignment && assignment.Left == name;
    }
}
