using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 shared-client fix: the edits to the type (or top-level code) that holds the client,
/// applied through annotations so that nested edits survive each other. A call on a client
/// configured per call is rewritten to carry that configuration itself (<see cref="PerCallRequest"/>),
/// and a per-call timeout's token source takes the place of the client's declaration.
/// </summary>
internal sealed class SharedHttpClientEdits
{
    // Per instance: the annotations stay in the document, and a later fix of it must not find these.
    private readonly SyntaxAnnotation _replaceMark = new();
    private readonly SyntaxAnnotation _removeMark = new();
    private readonly SyntaxAnnotation _unwrapMark = new();
    private readonly SyntaxAnnotation _timeoutMark = new();
    private readonly SyntaxAnnotation _asyncMark = new();

    public List<SyntaxNode> Replace { get; } = new();

    public List<StatementSyntax> Remove { get; } = new();

    /// <summary>Calls on the client that carry the per-call settings themselves.</summary>
    public List<PerCallRequest> Requests { get; } = new();

    /// <summary>Names of the locals the rewritten calls introduce.</summary>
    public ISet<string> TakenNames { get; } = new HashSet<string>();

    /// <summary>The client's declaration, replaced by the per-call timeout's token source.</summary>
    public (StatementSyntax Declaration, IReadOnlyList<StatementSyntax> Source)? TimeoutSource { get; set; }

    /// <summary>The method or local function that becomes <c>async</c> to await the call it returned.</summary>
    public SyntaxNode? MakeAsync { get; set; }

    public StatementSyntax? Unwrap { get; set; }

    /// <summary>The unwrapped <c>using</c> body stays a block: its locals would clash with names around it.</summary>
    public bool KeepUnwrappedBlock { get; set; }

    public T ApplyTo<T>(T host, string clientName)
        where T : SyntaxNode
    {
        var marks = new Dictionary<SyntaxNode, SyntaxAnnotation>();
        foreach (var (node, mark) in Requests.SelectMany(request => request.Marks))
        {
            marks[node] = mark;
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

        if (TimeoutSource is { } timeout)
        {
            marks[timeout.Declaration] = _timeoutMark;
        }

        if (MakeAsync is not null)
        {
            marks[MakeAsync] = _asyncMark;
        }

        var marked = host.ReplaceNodes(marks.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marks[original]));
        marked = marked.ReplaceNodes(marked.GetAnnotatedNodes(_replaceMark), (_, rewritten) => IdentifierName(clientName).WithTriviaFrom(rewritten));
        foreach (var request in Requests)
        {
            if (marked.GetAnnotatedNodes(request.Target).FirstOrDefault() is { } target)
            {
                var rewritten = request.Rewrite(target).ToList();
                marked = rewritten.Count == 1 ? marked.ReplaceNode(target, rewritten[0]) : marked.ReplaceNode(target, rewritten);
            }
        }

        if (TimeoutSource is { Source: var source } && marked.GetAnnotatedNodes(_timeoutMark).FirstOrDefault() is StatementSyntax declaration)
        {
            marked = marked.ReplaceNode(declaration, source.Select((statement, index) => index == 0 ? statement.WithLeadingTrivia(declaration.GetLeadingTrivia()) : statement));
        }

        if (marked.GetAnnotatedNodes(_asyncMark).FirstOrDefault() is { } function)
        {
            marked = marked.ReplaceNode(function, WithAsyncModifier(function));
        }

        if (marked.GetAnnotatedNodes(_unwrapMark).FirstOrDefault() is UsingStatementSyntax { Statement: BlockSyntax block } keptBlock && KeepUnwrappedBlock)
        {
            marked = marked.ReplaceNode(keptBlock, block.WithLeadingTrivia(keptBlock.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
        }
        else if (marked.GetAnnotatedNodes(_unwrapMark).FirstOrDefault() is UsingStatementSyntax usingStatement)
        {
            var statements = usingStatement.Statement is BlockSyntax body ? body.Statements.ToList() : new List<StatementSyntax> { usingStatement.Statement };
            statements = statements.Select(statement => statement.WithAdditionalAnnotations(Formatter.Annotation)).ToList();
            marked = marked.ReplaceNode(usingStatement, statements.Select((statement, index) => index == 0 ? statement.WithLeadingTrivia(usingStatement.GetLeadingTrivia()) : statement));
        }

        var removed = marked.GetAnnotatedNodes(_removeMark).ToList();
        return removed.Count == 0 ? marked : marked.RemoveNodes(removed, SyntaxRemoveOptions.KeepNoTrivia)!;
    }

    /// <summary><c>async</c> after the other modifiers, or first (taking the line's indentation) when there are none.</summary>
    private static SyntaxNode WithAsyncModifier(SyntaxNode function)
    {
        var (modifiers, returnType) = function switch
        {
            MethodDeclarationSyntax method => (method.Modifiers, method.ReturnType),
            LocalFunctionStatementSyntax local => (local.Modifiers, local.ReturnType),
            _ => (default, null!),
        };
        SyntaxTokenList withAsync;
        if (modifiers.Count > 0)
        {
            withAsync = modifiers.Add(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space));
        }
        else
        {
            withAsync = TokenList(Token(returnType.GetLeadingTrivia(), SyntaxKind.AsyncKeyword, TriviaList(Space)));
            returnType = returnType.WithoutLeadingTrivia();
        }

        return function switch
        {
            MethodDeclarationSyntax method => method.WithReturnType(returnType).WithModifiers(withAsync),
            LocalFunctionStatementSyntax local => local.WithReturnType(returnType).WithModifiers(withAsync),
            _ => function,
        };
    }
}
