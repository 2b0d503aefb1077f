using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.CodeFixes.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 shared-client fix: one call on a client that was configured per call, rewritten so the
/// call carries that configuration itself and the shared client is never changed:
/// <list type="bullet">
/// <item>a per-call base address resolves the request URI (<c>new Uri(baseAddress, uri)</c>, as HttpClient does);</item>
/// <item>per-call headers go onto a hand-built <c>HttpRequestMessage</c> sent with <c>SendAsync</c>: inline for
/// calls that return the response, as statements (send, <c>EnsureSuccessStatusCode</c>, read the content) for calls
/// that read it (<c>GetStringAsync</c>, <c>GetFromJsonAsync</c>, ...);</item>
/// <item>a per-call timeout becomes the token of a <c>CancellationTokenSource</c> (planned by <see cref="PerCallTimeout"/>).</item>
/// </list>
/// </summary>
internal sealed class PerCallRequest
{
    /// <summary>Calls that return the response: the method of the request and whether the second argument is its content.</summary>
    private static readonly Dictionary<string, (string Method, bool HasContent)> ResponseVerbs = new()
    {
        ["GetAsync"] = ("Get", false),
        ["DeleteAsync"] = ("Delete", false),
        ["PostAsync"] = ("Post", true),
        ["PutAsync"] = ("Put", true),
        ["PatchAsync"] = ("Patch", true),
    };

    /// <summary>
    /// GET calls that read the response and drop it: the content reader that replaces them, and whether the
    /// response must stay open after the statement (the stream keeps it, as <c>GetStreamAsync</c> does).
    /// </summary>
    private static readonly Dictionary<string, (string Reader, bool Streams)> ContentReaders = new()
    {
        ["GetStringAsync"] = ("ReadAsStringAsync", false),
        ["GetByteArrayAsync"] = ("ReadAsByteArrayAsync", false),
        ["GetStreamAsync"] = ("ReadAsStreamAsync", true),
        ["GetFromJsonAsync"] = ("ReadFromJsonAsync", false),
    };

    // Per instance: the annotations stay in the document, and a later fix of it must not find these.
    private readonly SyntaxAnnotation _mark = new();
    private readonly SyntaxAnnotation _statementMark = new();
    private readonly HttpClientSettings _settings;
    private readonly SemanticModel _model;
    private readonly string _method;
    private readonly ISet<int> _tokenArguments;
    private readonly (int ReplacedIndex, string? Name)? _tokenSlot;
    private readonly string? _requestName;
    private readonly string? _responseName;
    private readonly bool _needsStatements;

    /// <summary><c>(false)</c> when the call was awaited with <c>ConfigureAwait(false)</c>: the new await does the same.</summary>
    private readonly string? _configureAwait;

    private PerCallRequest(
        InvocationExpressionSyntax call,
        HttpClientSettings settings,
        SemanticModel model,
        string method,
        ISet<int> tokenArguments,
        (int ReplacedIndex, string? Name)? tokenSlot,
        ExpressionSyntax? passedToken,
        bool needsStatements,
        StatementSyntax? awaitingStatement,
        string? requestName,
        string? responseName,
        string? configureAwait)
    {
        Call = call;
        _settings = settings;
        _model = model;
        _method = method;
        _tokenArguments = tokenArguments;
        _tokenSlot = tokenSlot;
        PassedToken = passedToken;
        _needsStatements = needsStatements;
        AwaitingStatement = awaitingStatement;
        _requestName = requestName;
        _responseName = responseName;
        _configureAwait = configureAwait;
    }

    public InvocationExpressionSyntax Call { get; }

    /// <summary>The statement that awaits the call as a whole (in a block), if it does: statements can go before it.</summary>
    public StatementSyntax? AwaitingStatement { get; }

    /// <summary>The statement that holds the call, when the rewrite adds statements before it; otherwise null.</summary>
    public StatementSyntax? Statement => _needsStatements || TimeoutSource is not null ? AwaitingStatement : null;

    /// <summary>The per-call timeout's source, declared right before this call's statement (a client that makes several calls).</summary>
    public IReadOnlyList<string>? TimeoutSource { get; set; }

    /// <summary>The token the call already receives (not <c>default</c>): a per-call timeout is linked to it.</summary>
    public ExpressionSyntax? PassedToken { get; }

    /// <summary>The call is returned by a method made <c>async</c>: it is awaited now (<c>return await call;</c>).</summary>
    public bool AwaitReturnedTask { get; set; }

    /// <summary>The token of the per-call timeout's source, once <see cref="PerCallTimeout"/> has named it.</summary>
    public string? TimeoutToken { get; set; }

    /// <summary>The nodes to mark in the host before it is rewritten: the call, and its statement when the rewrite adds statements.</summary>
    public IEnumerable<(SyntaxNode Node, SyntaxAnnotation Mark)> Marks =>
        Statement is null ? new[] { ((SyntaxNode)Call, _mark) } : new[] { ((SyntaxNode)Call, _mark), (Statement, _statementMark) };

    /// <summary>The mark of the node <see cref="Rewrite"/> replaces.</summary>
    public SyntaxAnnotation Target => Statement is null ? _mark : _statementMark;

    /// <summary>How <paramref name="call"/> on the client can carry the per-call settings, or null when it cannot keep its meaning.</summary>
    /// <param name="takenNames">Names of locals this fix already introduces (two rewritten calls in one block).</param>
    public static PerCallRequest? Plan(InvocationExpressionSyntax call, string method, HttpClientSettings settings, ISet<string> takenNames, SemanticModel model, CancellationToken cancellationToken)
    {
        var arguments = call.ArgumentList.Arguments;
        if (arguments.Any(argument => argument.NameColon is not null || argument.RefKindKeyword.RawKind != 0) ||
            model.GetOperation(call, cancellationToken) is not IInvocationOperation operation)
        {
            return null;
        }

        var types = CancellationTypes.Create(model.Compilation);
        var tokenArguments = new HashSet<int>(operation.Arguments
            .Where(argument => argument.ArgumentKind == ArgumentKind.Explicit && argument.Parameter is { } parameter && types.IsToken(parameter.Type))
            .Select(argument => argument.Syntax is ArgumentSyntax syntax ? arguments.IndexOf(syntax) : -1));

        // The request URI (a string or Uri first parameter) is what a base address resolves and a request is built for;
        // a prepared request (SendAsync(request)) gets its URI resolved before it is sent, as HttpClient does.
        var preparesRequest = !settings.HasPerCallHeaders && settings.PerCallBaseAddress is not null && HttpCallShapes.SendsRequestLocal(operation);
        var needsUri = settings.HasPerCallHeaders || settings.PerCallBaseAddress is not null;
        if (needsUri && !preparesRequest && (arguments.Count == 0 || !HttpCallShapes.TakesRequestUriFirst(operation.TargetMethod)))
        {
            return null;
        }

        (int ReplacedIndex, string? Name)? tokenSlot = null;
        ExpressionSyntax? passedToken = null;
        if (settings.PerCallTimeout is not null)
        {
            if (TokenOverloads.Find(operation, types) is not { } slot)
            {
                return null;
            }

            var replacedIndex = slot.Replaced?.Syntax is ArgumentSyntax replaced ? arguments.IndexOf(replaced) : -1;
            if (replacedIndex >= 0 && !HttpCallShapes.IsNoToken(arguments[replacedIndex].Expression, model, cancellationToken))
            {
                // Linked where the client was created: the token must read the same there.
                passedToken = arguments[replacedIndex].Expression;
                if (!passedToken.DescendantNodesAndSelf().All(node => node is IdentifierNameSyntax or MemberAccessExpressionSyntax or ThisExpressionSyntax))
                {
                    return null;
                }
            }

            tokenSlot = (replacedIndex, slot.Positional ? null : slot.Parameter.Name);
        }

        var readsContent = ContentReaders.ContainsKey(method);
        var needsStatements = preparesRequest || (settings.HasPerCallHeaders && (readsContent || settings.HasMixedPerCallHeaders));
        if (settings.HasPerCallHeaders && !ResponseVerbs.ContainsKey(method) && !readsContent)
        {
            return null;
        }

        var statement = HttpCallShapes.StatementAwaiting(call, out var configureAwait);
        if (statement is not { Parent: BlockSyntax } || !CancellationRewriter.UsingDeclarationsAllowed(call.SyntaxTree))
        {
            statement = null;
        }

        if (!needsStatements)
        {
            return new PerCallRequest(call, settings, model, method, tokenArguments, tokenSlot, passedToken, needsStatements, statement, requestName: null, responseName: null, configureAwait?.WithoutTrivia().ToString());
        }

        // Statements go before the one that awaits the call: it must be awaited directly, as a whole statement of a block.
        if (statement is null || (method == "GetFromJsonAsync" && call.Expression is not MemberAccessExpressionSyntax { Name: GenericNameSyntax }))
        {
            return null;
        }

        var requestName = preparesRequest ? null : Unique("request", statement, takenNames, model);
        var responseName = readsContent && !preparesRequest ? Unique("response", statement, takenNames, model) : null;
        return new PerCallRequest(call, settings, model, method, tokenArguments, tokenSlot, passedToken, needsStatements, statement, requestName, responseName, configureAwait?.WithoutTrivia().ToString());
    }

    /// <summary>The marked node, rewritten: the call itself, or its statement preceded by the request's (and the timeout's) statements.</summary>
    public IEnumerable<SyntaxNode> Rewrite(SyntaxNode marked)
    {
        if (marked is InvocationExpressionSyntax call)
        {
            var rewrittenCall = RewriteCall(WithTimeoutToken(call));
            return new[] { AwaitReturnedTask ? AwaitExpression(Token(call.GetLeadingTrivia(), Microsoft.CodeAnalysis.CSharp.SyntaxKind.AwaitKeyword, TriviaList(Space)), rewrittenCall.WithoutLeadingTrivia()) : (ExpressionSyntax)rewrittenCall };
        }

        var statement = (StatementSyntax)marked;
        var original = statement.DescendantNodes().OfType<InvocationExpressionSyntax>().First(node => node.HasAnnotation(_mark));
        var (added, rewritten) = _needsStatements
            ? RequestStatements(statement, original, WithTimeoutToken(original))
            : (new List<string>(), statement.ReplaceNode(original, RewriteCall(WithTimeoutToken(original))));
        return Prepended(statement, (TimeoutSource ?? Array.Empty<string>()).Concat(added), rewritten);
    }

    /// <summary>Per-call base address and headers on a call that returns the response: one expression.</summary>
    private InvocationExpressionSyntax RewriteCall(InvocationExpressionSyntax call)
    {
        var arguments = call.ArgumentList.Arguments;
        if (!_settings.HasPerCallHeaders)
        {
            return _settings.PerCallBaseAddress is null
                ? call
                : call.WithArgumentList(call.ArgumentList.WithArguments(arguments.Replace(arguments[0], arguments[0].WithExpression(RequestUri(arguments[0])))));
        }

        var (method, hasContent) = ResponseVerbs[_method];
        var request = ParseExpression(NewRequest(method, RequestUri(arguments[0]), hasContent ? arguments[1].Expression : null, headersInInitializer: true))
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        return Send(call, Argument(request), arguments.Skip(hasContent ? 2 : 1));
    }

    /// <summary>
    /// <c>using var request = new HttpRequestMessage(...) { Headers = ... };</c>, then either the statement with
    /// <c>SendAsync(request)</c>, or <c>using var response = await SendAsync(request)</c>,
    /// <c>response.EnsureSuccessStatusCode();</c> and the statement reading <c>response.Content</c>.
    /// </summary>
    private (List<string> Added, StatementSyntax Rewritten) RequestStatements(StatementSyntax statement, InvocationExpressionSyntax original, InvocationExpressionSyntax call)
    {
        var arguments = call.ArgumentList.Arguments;
        var statements = new List<string>();
        if (_requestName is null)
        {
            var sent = arguments[0].Expression.WithoutTrivia();
            statements.Add($"{sent}.RequestUri = {sent}.RequestUri is null ? {_settings.PerCallBaseAddress} : new {Type("System.Uri")}({_settings.PerCallBaseAddress}, {sent}.RequestUri);");
            return (statements, statement.ReplaceNode(original, call));
        }

        var hasContent = ResponseVerbs.TryGetValue(_method, out var verb) && verb.HasContent;
        var request = NewRequest(verb.Method ?? "Get", RequestUri(arguments[0]), hasContent ? arguments[1].Expression : null, headersInInitializer: !_settings.HasMixedPerCallHeaders);

        // Disposing the request disposes its content, which belongs to the caller here.
        statements.Add($"{(hasContent ? string.Empty : "using ")}var {_requestName} = {request};");
        if (_settings.HasMixedPerCallHeaders)
        {
            statements.Add($"{_requestName}.Headers.Authorization = {_settings.PerCallAuthorization};");
        }

        var tokens = arguments.Where((_, index) => _tokenArguments.Contains(index) || (index >= arguments.Count - 1 && TimeoutToken is not null && _tokenSlot is { ReplacedIndex: < 0 })).ToList();
        StatementSyntax rewritten;
        if (ContentReaders.TryGetValue(_method, out var reader))
        {
            var sendArguments = new List<string> { _requestName! };
            if (reader.Streams || _method == "GetFromJsonAsync")
            {
                sendArguments.Add($"{Type("System.Net.Http.HttpCompletionOption")}.ResponseHeadersRead");
            }

            sendArguments.AddRange(tokens.Select(argument => argument.ToString()));
            var client = ((MemberAccessExpressionSyntax)call.Expression).Expression.WithoutTrivia();
            statements.Add($"{(reader.Streams ? string.Empty : "using ")}var {_responseName} = await {client}.SendAsync({string.Join(", ", sendArguments)}){(_configureAwait is null ? string.Empty : ".ConfigureAwait" + _configureAwait)};");
            statements.Add($"{_responseName}.EnsureSuccessStatusCode();");

            // GetFromJsonAsync<T>(uri, options, token) reads with ReadFromJsonAsync<T>(options, token).
            var readerName = ((MemberAccessExpressionSyntax)call.Expression).Name is GenericNameSyntax generic
                ? generic.WithIdentifier(Identifier(reader.Reader)).ToString()
                : reader.Reader;
            var readArguments = arguments.Skip(1).Select(argument => argument.WithoutTrivia().ToString());
            var read = ParseExpression($"{_responseName}.Content.{readerName}({string.Join(", ", readArguments)})");
            rewritten = statement.ReplaceNode(original, read.WithTriviaFrom(call));
        }
        else
        {
            rewritten = statement.ReplaceNode(original, Send(call, Argument(IdentifierName(_requestName!)), arguments.Skip(hasContent ? 2 : 1)));
        }

        return (statements, rewritten);
    }

    /// <summary><paramref name="added"/> in front of the rewritten statement, which keeps the original's comments and blank lines above them.</summary>
    private static IEnumerable<StatementSyntax> Prepended(StatementSyntax original, IEnumerable<string> added, StatementSyntax rewritten)
    {
        var indentation = Layout.Indentation(original);
        var newLine = Layout.NewLineOf(original);
        var statements = added.Select((text, index) => ParseStatement(text)
            .WithLeadingTrivia(index == 0 ? original.GetLeadingTrivia() : indentation)
            .WithTrailingTrivia(EndOfLine(newLine))
            .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation, Simplifier.AddImportsAnnotation));
        return statements.Concat(new[] { rewritten.WithLeadingTrivia(indentation) });
    }

    /// <summary>The call with the timeout's token in place of the token it passed, or added.</summary>
    private InvocationExpressionSyntax WithTimeoutToken(InvocationExpressionSyntax call)
    {
        if (TimeoutToken is null || _tokenSlot is not { } slot)
        {
            return call;
        }

        var arguments = call.ArgumentList.Arguments;
        var token = ParseExpression(TimeoutToken);
        if (slot.ReplacedIndex >= 0)
        {
            var replaced = arguments[slot.ReplacedIndex];
            return call.WithArgumentList(call.ArgumentList.WithArguments(arguments.Replace(replaced, replaced.WithExpression(token.WithTriviaFrom(replaced.Expression)))));
        }

        var argument = slot.Name is null ? Argument(token) : Argument(NameColon(IdentifierName(slot.Name)), default, token);
        return call.WithArgumentList(call.ArgumentList.WithArguments(arguments.Add(argument)));
    }

    private string Type(string fullName) => TypeNames.AsSeenAt(_model, Call.SpanStart, fullName);

    private static InvocationExpressionSyntax Send(InvocationExpressionSyntax call, ArgumentSyntax request, IEnumerable<ArgumentSyntax> rest)
    {
        var access = (MemberAccessExpressionSyntax)call.Expression;
        return call
            .WithExpression(access.WithName(IdentifierName("SendAsync").WithTriviaFrom(access.Name)))
            .WithArgumentList(ArgumentList(SeparatedList(new[] { request }.Concat(rest.Select(argument => argument.WithoutLeadingTrivia())))));
    }

    private string NewRequest(string method, ExpressionSyntax uri, ExpressionSyntax? content, bool headersInInitializer)
    {
        var members = new List<string>();
        if (content is not null)
        {
            members.Add($"Content = {content.WithoutTrivia()}");
        }

        if (_settings.PerCallHeaders.Count > 0)
        {
            members.Add($"Headers = {{ {string.Join(", ", _settings.PerCallHeaders.Select(header => $"{{ {header.Name}, {header.Value} }}"))} }}");
        }
        else if (_settings.PerCallAuthorization is { } authorization && headersInInitializer)
        {
            members.Add($"Headers = {{ Authorization = {authorization} }}");
        }

        var initializer = members.Count == 0 ? string.Empty : $" {{ {string.Join(", ", members)} }}";
        return $"new {Type("System.Net.Http.HttpRequestMessage")}({Type("System.Net.Http.HttpMethod")}.{method}, {uri.ToFullString()}){initializer}";
    }

    private ExpressionSyntax RequestUri(ArgumentSyntax argument)
    {
        var uri = argument.Expression.WithoutTrivia();
        return _settings.PerCallBaseAddress is { } baseAddress
            ? ParseExpression($"new {Type("System.Uri")}({baseAddress}, {uri})").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation)
            : uri;
    }

    /// <summary>A local name free in the member and not yet taken by this fix.</summary>
    public static string Unique(string preferred, StatementSyntax position, ISet<string> takenNames, SemanticModel model)
    {
        var name = LocalNames.Unique(preferred, position, model);
        for (var suffix = 2; takenNames.Contains(name) || LocalNames.Unique(name, position, model) != name; suffix++)
        {
            name = preferred + suffix;
        }

        takenNames.Add(name);
        return name;
    }
}
