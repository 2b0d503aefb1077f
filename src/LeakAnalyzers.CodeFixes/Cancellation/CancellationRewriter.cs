using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Configuration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// Pieces of the linked-token rewrite shared by the LEAK004/005/006 fixes: passing a token to a
/// call (positionally, by name, or in place of <c>default</c>), the linked source with its
/// timeout, where to declare it, and the <c>using</c> directives the new code needs.
/// </summary>
internal static class CancellationRewriter
{
    /// <summary>Registers, on <paramref name="editor"/>, the token argument for each call (innermost first, so nested calls compose).</summary>
    public static bool PassToken(SyntaxEditor editor, IEnumerable<IInvocationOperation> calls, ExpressionSyntax token, CancellationTypes types)
    {
        var edits = new List<(InvocationExpressionSyntax Node, TokenSlot Slot, int ReplacedIndex)>();
        foreach (var call in calls)
        {
            if (call.Syntax is not InvocationExpressionSyntax node || TokenOverloads.Find(call, types) is not { } slot)
            {
                return false;
            }

            var replacedIndex = slot.Replaced?.Syntax is ArgumentSyntax replaced ? node.ArgumentList.Arguments.IndexOf(replaced) : -1;
            if (slot.Replaced is not null && replacedIndex < 0)
            {
                return false;
            }

            edits.Add((node, slot, replacedIndex));
        }

        foreach (var (node, slot, replacedIndex) in edits.OrderBy(e => e.Node.Span.Length))
        {
            editor.ReplaceNode(node, (current, _) => WithToken((InvocationExpressionSyntax)current, slot, replacedIndex, token));
        }

        return true;
    }

    /// <summary>Whether the call sits in a static lambda or local function below <paramref name="outer"/>: a token from outside cannot reach it.</summary>
    public static bool InStaticFunction(SyntaxNode call, SyntaxNode outer) =>
        call.Ancestors().TakeWhile(ancestor => ancestor != outer).Any(ancestor => ancestor switch
        {
            AnonymousFunctionExpressionSyntax function => function.Modifiers.Any(SyntaxKind.StaticKeyword),
            LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.StaticKeyword),
            _ => false,
        });

    private static InvocationExpressionSyntax WithToken(InvocationExpressionSyntax invocation, TokenSlot slot, int replacedIndex, ExpressionSyntax token)
    {
        var arguments = invocation.ArgumentList.Arguments;
        if (replacedIndex >= 0)
        {
            var replaced = arguments[replacedIndex];
            return invocation.WithArgumentList(invocation.ArgumentList.WithArguments(
                arguments.Replace(replaced, replaced.WithExpression(token.WithTriviaFrom(replaced.Expression)))));
        }

        var argument = slot.Positional
            ? Argument(token)
            : Argument(NameColon(IdentifierName(slot.Parameter.Name), Token(SyntaxKind.ColonToken).WithTrailingTrivia(Space)), default, token);
        var separators = arguments.GetSeparators().ToList();
        if (arguments.Count > 0)
        {
            separators.Add(Token(SyntaxKind.CommaToken).WithTrailingTrivia(Space));
        }

        return invocation.WithArgumentList(invocation.ArgumentList.WithArguments(
            SeparatedList(arguments.Append(argument), separators)));
    }

    /// <summary><c>using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);</c> (or <c>new CancellationTokenSource()</c>).</summary>
    public static StatementSyntax CreateSource(string name, string? token) =>
        Annotate(ParseStatement(token is null
            ? $"using var {name} = new CancellationTokenSource();"
            : $"using var {name} = CancellationTokenSource.CreateLinkedTokenSource({token});"));

    public static StatementSyntax CancelAfter(string name, ExpressionSyntax timeout) =>
        Annotate(ExpressionStatement(InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(name), IdentifierName("CancelAfter")),
            ArgumentList(SingletonSeparatedList(Argument(timeout.WithoutTrivia()))))));

    /// <summary>
    /// <c>TimeSpan.FromSeconds(n)</c> with n from <c>leak_analyzers.default_timeout</c>: a positive
    /// number of seconds (what LEAK900 accepts); anything else means the default, 30.
    /// </summary>
    public static ExpressionSyntax DefaultTimeout(Document document, SyntaxTree tree)
    {
        var seconds = "30";
        if (document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(OptionKeys.DefaultTimeout, out var text) &&
            double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var configured) &&
            configured > 0 && !double.IsInfinity(configured))
        {
            seconds = configured.ToString("R", CultureInfo.InvariantCulture);
        }

        return ParseExpression($"TimeSpan.FromSeconds({seconds})");
    }

    /// <summary>
    /// The statement before which the source is declared: in the innermost block of the waiting
    /// code's own function that holds every call to give the token to, the first statement
    /// holding any of them. Null when there is no such block (expression bodies, top-level code).
    /// </summary>
    public static StatementSyntax? FindAnchor(SyntaxNode waiting, IEnumerable<SyntaxNode> calls)
    {
        var nodes = calls.Append(waiting).ToList();
        foreach (var ancestor in waiting.Ancestors())
        {
            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax)
            {
                return null;
            }

            if (ancestor is BlockSyntax block && nodes.All(n => block.Span.Contains(n.Span)))
            {
                return block.Statements.FirstOrDefault(s => nodes.Any(n => s.Span.Contains(n.Span)));
            }
        }

        return null;
    }

    /// <summary>
    /// The source an earlier fix declared right before <paramref name="anchor"/> with the same
    /// timeout (<c>using var cts = ...; cts.CancelAfter(timeout);</c>): a second wait in the same
    /// statement reuses it, so one statement never gets two sources.
    /// </summary>
    public static string? ExistingSource(StatementSyntax anchor, ExpressionSyntax timeout)
    {
        if (anchor.Parent is not BlockSyntax block)
        {
            return null;
        }

        var index = block.Statements.IndexOf(anchor);
        if (index < 2 ||
            block.Statements[index - 1] is not ExpressionStatementSyntax
            {
                Expression: InvocationExpressionSyntax
                {
                    Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax source, Name.Identifier.ValueText: "CancelAfter" },
                    ArgumentList.Arguments.Count: 1,
                } cancelAfter,
            } ||
            !cancelAfter.ArgumentList.Arguments[0].Expression.IsEquivalentTo(timeout, topLevel: false) ||
            block.Statements[index - 2] is not LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration ||
            declaration.UsingKeyword.IsKind(SyntaxKind.None) ||
            declaration.Declaration.Variables[0].Identifier.ValueText != source.Identifier.ValueText)
        {
            return null;
        }

        return declaration.Declaration.Variables[0].Initializer?.Value switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CreateLinkedTokenSource" } } => source.Identifier.ValueText,
            ObjectCreationExpressionSyntax { Type: IdentifierNameSyntax { Identifier.ValueText: "CancellationTokenSource" } } => source.Identifier.ValueText,
            _ => null,
        };
    }

    /// <summary>Whether a <c>using var</c> declaration may be written (C# 8).</summary>
    public static bool UsingDeclarationsAllowed(SyntaxTree tree) =>
        ((CSharpParseOptions)tree.Options).LanguageVersion >= LanguageVersion.CSharp8;

    public static string SourceName(StatementSyntax anchor, SemanticModel model) => LocalNames.Unique("cts", anchor, model);

    /// <summary>The namespaces (of <c>System</c>, <c>System.Threading</c>) whose types the new code names but the file does not see.</summary>
    public static List<string> MissingImports(SemanticModel model, int position, params string[] qualifiedTypes)
    {
        var missing = new List<string>();
        foreach (var qualified in qualifiedTypes)
        {
            var dot = qualified.LastIndexOf('.');
            var ns = qualified.Substring(0, dot);
            var name = qualified.Substring(dot + 1);
            var visible = model.LookupNamespacesAndTypes(position, name: name)
                .Any(s => s is INamedTypeSymbol && s.ContainingNamespace?.ToDisplayString() == ns);
            if (!visible && !missing.Contains(ns))
            {
                missing.Add(ns);
            }
        }

        return missing;
    }

    /// <summary>Adds <c>using</c> directives to the file, in order among the existing ones.</summary>
    public static SyntaxNode AddImports(SyntaxNode root, IReadOnlyCollection<string> namespaces)
    {
        if (namespaces.Count == 0 || root is not CompilationUnitSyntax unit)
        {
            return root;
        }

        var newLine = Layout.NewLineOf(root);
        var usings = unit.Usings.ToList();
        foreach (var ns in namespaces.OrderBy(n => n, System.StringComparer.Ordinal))
        {
            var directive = UsingDirective(ParseName(ns).WithLeadingTrivia(Space)).WithTrailingTrivia(EndOfLine(newLine));
            var index = usings.FindIndex(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && string.CompareOrdinal(u.Name?.ToString(), ns) > 0);
            usings.Insert(index < 0 ? usings.Count : index, directive);
        }

        if (unit.Usings.Count == 0)
        {
            // A blank line between the new directives and the code.
            usings[usings.Count - 1] = usings[usings.Count - 1].WithTrailingTrivia(EndOfLine(newLine), EndOfLine(newLine));
        }

        return unit.WithUsings(List(usings));
    }

    /// <summary>
    /// Inserts new statements before <paramref name="anchor"/>, each on its own line. Blank lines
    /// above the anchor move above the new statements: they separate the anchor from the code
    /// before it, and a document fixed one diagnostic at a time (reparsed between fixes, where a
    /// blank line is leading trivia) must read like one fixed all at once.
    /// </summary>
    public static void InsertBefore(DocumentEditor editor, StatementSyntax anchor, params StatementSyntax[] statements)
    {
        var lines = statements.Select(statement => OnLineOf(statement, anchor)).ToArray();
        var leading = anchor.GetLeadingTrivia();
        var blankLinesEnd = BlankLinesEnd(leading);
        if (blankLinesEnd > 0)
        {
            lines[0] = lines[0].WithLeadingTrivia(leading.Take(blankLinesEnd).Concat(lines[0].GetLeadingTrivia()));
            editor.ReplaceNode(anchor, (current, _) => current.WithLeadingTrivia(current.GetLeadingTrivia().Skip(blankLinesEnd)));
        }

        editor.InsertBefore(anchor, lines);
    }

    /// <summary>The leading trivia of <paramref name="statement"/> without the blank lines that <see cref="InsertBefore"/> moves above inserted statements.</summary>
    public static SyntaxTriviaList WithoutBlankLinesAbove(StatementSyntax statement)
    {
        var leading = statement.GetLeadingTrivia();
        return TriviaList(leading.Skip(BlankLinesEnd(leading)));
    }

    /// <summary>How many leading trivia make up the blank lines at the top (whitespace up to the last end of line before any other trivia).</summary>
    private static int BlankLinesEnd(SyntaxTriviaList leading)
    {
        var end = 0;
        for (var i = 0; i < leading.Count && (leading[i].IsKind(SyntaxKind.WhitespaceTrivia) || leading[i].IsKind(SyntaxKind.EndOfLineTrivia)); i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                end = i + 1;
            }
        }

        return end;
    }

    /// <summary>Puts a new statement on its own line, indented like <paramref name="anchor"/>.</summary>
    public static StatementSyntax OnLineOf(StatementSyntax statement, StatementSyntax anchor) =>
        statement.WithLeadingTrivia(Layout.Indentation(anchor)).WithTrailingTrivia(EndOfLine(Layout.NewLineOf(anchor)));

    private static StatementSyntax Annotate(StatementSyntax statement) =>
        statement.WithAdditionalAnnotations(Formatter.Annotation);
}
