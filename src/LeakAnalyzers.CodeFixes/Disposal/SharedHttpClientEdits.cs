using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 shared-client fix: the edits to the type (or top-level code) that holds the client,
/// applied through annotations so that nested edits survive each other. A call on a client
/// configured per call is rewritten to carry that configuration itself
/// (<see cref="CarryPerCallSettings"/>).
/// </summary>
internal sealed class SharedHttpClientEdits
{
    // Per instance: the annotations stay in the document, and a later fix of it must not find these.
    private readonly SyntaxAnnotation _replaceMark = new();
    private readonly SyntaxAnnotation _removeMark = new();
    private readonly SyntaxAnnotation _unwrapMark = new();
    private readonly SyntaxAnnotation _callMark = new();

    /// <summary>Verbs whose request can be built by hand: the method and whether the second argument is the content.</summary>
    private static readonly Dictionary<string, (string Method, bool HasContent)> ResponseVerbs = new()
    {
        ["GetAsync"] = ("Get", false),
        ["DeleteAsync"] = ("Delete", false),
        ["PostAsync"] = ("Post", true),
        ["PutAsync"] = ("Put", true),
        ["PatchAsync"] = ("Patch", true),
    };

    private readonly HttpClientSettings _settings;

    public SharedHttpClientEdits(HttpClientSettings settings) => _settings = settings;

    public List<SyntaxNode> Replace { get; } = new();

    public List<StatementSyntax> Remove { get; } = new();

    /// <summary>Calls on the client that must carry the per-call settings.</summary>
    public List<InvocationExpressionSyntax> Calls { get; } = new();

    public StatementSyntax? Unwrap { get; set; }

    /// <summary>Whether <paramref name="call"/> on the client can carry the per-call settings.</summary>
    public bool CanCarryPerCallSettings(InvocationExpressionSyntax call, string method)
    {
        if (call.ArgumentList.Arguments.Any(argument => argument.NameColon is not null) || call.ArgumentList.Arguments.Count == 0)
        {
            return false;
        }

        var headers = _settings.PerCallHeaders.Count > 0 || _settings.PerCallAuthorization is not null;
        if (headers && (!ResponseVerbs.ContainsKey(method) || (_settings.PerCallHeaders.Count > 0 && _settings.PerCallAuthorization is not null)))
        {
            // Only calls that return the response can take a hand-built request; one initializer cannot both add headers and set Authorization.
            return false;
        }

        return true;
    }

    public T ApplyTo<T>(T host, string clientName)
        where T : SyntaxNode
    {
        var marks = new Dictionary<SyntaxNode, SyntaxAnnotation>();
        foreach (var node in Calls)
        {
            marks[node] = _callMark;
        }

        foreach (var node in Replace)
        {
            marks[node] = _replaceMark;
        }

        foreach (var node in Remove)
        {
            marks[node] = _removeMark;
        }

        if (Unwrap is not null)
        {
            marks[Unwrap] = _unwrapMark;
        }

        var marked = host.ReplaceNodes(marks.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marks[original]));
        marked = marked.ReplaceNodes(marked.GetAnnotatedNodes(_replaceMark), (_, rewritten) => IdentifierName(clientName).WithTriviaFrom(rewritten));
        marked = marked.ReplaceNodes(marked.GetAnnotatedNodes(_callMark), (_, rewritten) => CarryPerCallSettings((InvocationExpressionSyntax)rewritten));

        if (marked.GetAnnotatedNodes(_unwrapMark).FirstOrDefault() is UsingStatementSyntax usingStatement)
        {
            var statements = usingStatement.Statement is BlockSyntax body ? body.Statements.ToList() : new List<StatementSyntax> { usingStatement.Statement };
            statements = statements.Select(statement => statement.WithAdditionalAnnotations(Formatter.Annotation)).ToList();
            marked = marked.ReplaceNode(usingStatement, statements.Select((statement, index) => index == 0 ? statement.WithLeadingTrivia(usingStatement.GetLeadingTrivia()) : statement));
        }

        var removed = marked.GetAnnotatedNodes(_removeMark).ToList();
        return removed.Count == 0 ? marked : marked.RemoveNodes(removed, SyntaxRemoveOptions.KeepNoTrivia)!;
    }

    /// <summary>
    /// <c>client.GetAsync(uri)</c> with per-call headers becomes
    /// <c>client.SendAsync(new HttpRequestMessage(HttpMethod.Get, uri) { Headers = { { name, value } } })</c>;
    /// with a per-call base address the URI becomes <c>new Uri(baseAddress, uri)</c>, as HttpClient resolves it.
    /// </summary>
    private InvocationExpressionSyntax CarryPerCallSettings(InvocationExpressionSyntax call)
    {
        var access = (MemberAccessExpressionSyntax)call.Expression;
        var arguments = call.ArgumentList.Arguments;
        var uri = arguments[0].Expression.WithoutTrivia();
        if (_settings.PerCallBaseAddress is { } baseAddress)
        {
            uri = ParseExpression($"new global::System.Uri({baseAddress}, {uri})").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        }

        if (_settings.PerCallHeaders.Count == 0 && _settings.PerCallAuthorization is null)
        {
            return call.WithArgumentList(call.ArgumentList.WithArguments(arguments.Replace(arguments[0], arguments[0].WithExpression(uri))));
        }

        var (method, hasContent) = ResponseVerbs[access.Name.Identifier.ValueText];
        var members = new List<string>();
        if (hasContent)
        {
            members.Add($"Content = {arguments[1].Expression.WithoutTrivia()}");
        }

        members.Add(_settings.PerCallAuthorization is { } authorization
            ? $"Headers = {{ Authorization = {authorization} }}"
            : $"Headers = {{ {string.Join(", ", _settings.PerCallHeaders.Select(header => $"{{ {header.Name}, {header.Value} }}"))} }}");
        var request = ParseExpression($"new global::System.Net.Http.HttpRequestMessage(global::System.Net.Http.HttpMethod.{method}, {uri.ToFullString()}) {{ {string.Join(", ", members)} }}")
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var rest = arguments.Skip(hasContent ? 2 : 1).Select(argument => argument.WithoutLeadingTrivia());
        return call
            .WithExpression(access.WithName(IdentifierName("SendAsync").WithTriviaFrom(access.Name)))
            .WithArgumentList(ArgumentList(SeparatedList(new[] { Argument(request) }.Concat(rest))));
    }
}
