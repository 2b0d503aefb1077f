using System.Collections.Immutable;
using LeakAnalyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.Tests.Coverage;

/// <summary>One test source with diagnostic markup, and the test that holds it.</summary>
/// <param name="Analyzer">The analyzer type named by the <c>Verify&lt;TAnalyzer&gt;</c> the test calls.</param>
/// <param name="Test">The test method (with the row of a theory, 1-based, when it has several).</param>
public sealed record PositiveSource(string Analyzer, string Test, string File, string Markup);

/// <summary>
/// The positive sources of the rule tests, read from the test files themselves: the first
/// argument of every <c>DiagnosticsAsync</c> / <c>CodeFixAsync</c> call that contains diagnostic
/// markup (<c>[|...|]</c>, <c>{|ID:...|}</c>). Reading the test code (a string literal, a constant,
/// a local, or a raw interpolated string filled from the theory's <c>[InlineData]</c> rows) depends
/// only on those two entry points and the markup, which the Roslyn SDK testing library keeps,
/// and not on how the verifier runs: no test is executed to find them, and a new test is
/// measured without being registered anywhere.
/// </summary>
public static class PositiveSources
{
    private static readonly string[] EntryPoints = { "DiagnosticsAsync", "CodeFixAsync" };

    public static ImmutableArray<PositiveSource> All()
    {
        var builder = ImmutableArray.CreateBuilder<PositiveSource>();
        foreach (var path in Directory.GetFiles(Repository.PathOf("tests", "LeakAnalyzers.Tests", "Rules"), "*.cs").OrderBy(p => p, StringComparer.Ordinal))
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(path)).GetCompilationUnitRoot();
            var aliases = AnalyzerAliases(root);
            foreach (var invocation in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name } access ||
                    !EntryPoints.Contains(name) ||
                    AnalyzerOf(access.Expression, aliases) is not { } analyzer ||
                    invocation.ArgumentList.Arguments.Count == 0 ||
                    invocation.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method)
                {
                    continue;
                }

                var rows = InlineDataRows(method);
                for (var row = 0; row < Math.Max(rows.Count, 1); row++)
                {
                    var values = rows.Count == 0 ? ImmutableArray<string?>.Empty : rows[row];
                    if (Evaluate(invocation.ArgumentList.Arguments[0].Expression, method, values, depth: 0) is { } markup && HasMarkup(markup))
                    {
                        var test = rows.Count > 1 ? $"{method.Identifier.ValueText} (row {row + 1})" : method.Identifier.ValueText;
                        builder.Add(new PositiveSource(analyzer, test, Path.GetFileName(path), markup));
                    }
                }
            }
        }

        return builder.ToImmutable();
    }

    private static bool HasMarkup(string text) => text.Contains("[|", StringComparison.Ordinal) || text.Contains("{|LEAK", StringComparison.Ordinal);

    /// <summary><c>using VerifyFix = ...Verify&lt;LeakAnalyzers.Rules.XAnalyzer, ...&gt;;</c> -> alias to analyzer name.</summary>
    private static Dictionary<string, string> AnalyzerAliases(CompilationUnitSyntax root)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var directive in root.Usings)
        {
            if (directive.Alias is { Name.Identifier.ValueText: var alias } && directive.NamespaceOrType is { } type && FirstTypeArgument(type) is { } analyzer)
            {
                aliases[alias] = analyzer;
            }
        }

        return aliases;
    }

    private static string? AnalyzerOf(ExpressionSyntax receiver, Dictionary<string, string> aliases) => receiver switch
    {
        IdentifierNameSyntax alias when aliases.TryGetValue(alias.Identifier.ValueText, out var analyzer) => analyzer,
        _ => FirstTypeArgument(receiver),
    };

    private static string? FirstTypeArgument(SyntaxNode type) =>
        type.DescendantNodesAndSelf().OfType<GenericNameSyntax>().FirstOrDefault(generic => generic.Identifier.ValueText == "Verify")?.TypeArgumentList.Arguments.FirstOrDefault() switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            IdentifierNameSyntax simple => simple.Identifier.ValueText,
            _ => null,
        };

    /// <summary>The <c>[InlineData(...)]</c> rows of a theory, each value as source text (null for <c>null</c>).</summary>
    private static List<ImmutableArray<string?>> InlineDataRows(MethodDeclarationSyntax method) =>
        method.AttributeLists.SelectMany(list => list.Attributes)
            .Where(attribute => attribute.Name.ToString() is "InlineData" or "Xunit.InlineData")
            .Select(attribute => (attribute.ArgumentList?.Arguments ?? default)
                .Select(argument => argument.Expression is LiteralExpressionSyntax literal ? literal.Token.ValueText : null)
                .ToImmutableArray())
            .ToList();

    /// <summary>The string an expression of the test code evaluates to, or null when it is not one of the shapes read here.</summary>
    private static string? Evaluate(ExpressionSyntax expression, MethodDeclarationSyntax method, ImmutableArray<string?> row, int depth)
    {
        if (depth > 4)
        {
            return null;
        }

        switch (expression)
        {
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal:
                return literal.Token.ValueText;

            case InterpolatedStringExpressionSyntax interpolated:
                var text = new System.Text.StringBuilder();
                foreach (var content in interpolated.Contents)
                {
                    switch (content)
                    {
                        case InterpolatedStringTextSyntax part:
                            text.Append(part.TextToken.ValueText);
                            break;
                        case InterpolationSyntax { Expression: IdentifierNameSyntax hole }
                            when method.ParameterList.Parameters.IndexOf(parameter => parameter.Identifier.ValueText == hole.Identifier.ValueText) is var index &&
                                 index >= 0 && index < row.Length && row[index] is { } value:
                            text.Append(value);
                            break;
                        default:
                            return null;
                    }
                }

                return text.ToString();

            case IdentifierNameSyntax identifier:
                // A local of the test method, or a constant or static field of its class.
                var local = method.DescendantNodes().OfType<VariableDeclaratorSyntax>().FirstOrDefault(variable => variable.Identifier.ValueText == identifier.Identifier.ValueText);
                var field = method.Parent?.ChildNodes().OfType<FieldDeclarationSyntax>()
                    .SelectMany(declaration => declaration.Declaration.Variables)
                    .FirstOrDefault(variable => variable.Identifier.ValueText == identifier.Identifier.ValueText);
                return (local ?? field)?.Initializer?.Value is { } value2 ? Evaluate(value2, method, row, depth + 1) : null;

            default:
                return null;
        }
    }
}
