using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// The two forms of <c>using</c>: a declaration (C# 8 and later, in a block), or a statement
/// around the rest of the scope where a declaration is not legal (C# 7.3, a switch section).
/// </summary>
internal static class UsingForms
{
    public static LocalDeclarationStatementSyntax UsingDeclaration(VariableDeclarationSyntax declaration, UsingKind kind) =>
        LocalDeclarationStatement(declaration)
            .WithAwaitKeyword(AwaitKeyword(kind))
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword));

    public static SyntaxToken AwaitKeyword(UsingKind kind) =>
        kind == UsingKind.AwaitUsing ? Token(SyntaxKind.AwaitKeyword) : default;

    /// <summary><c>using (declaration) { statement'; rest of the block or switch section }</c>.</summary>
    public static SyntaxNode? WrapRestOfScope(SyntaxNode root, StatementSyntax statement, VariableDeclarationSyntax declaration, StatementSyntax? replacement, UsingKind kind)
    {
        SyntaxList<StatementSyntax> statements;
        switch (statement.Parent)
        {
            case BlockSyntax block:
                statements = block.Statements;
                break;
            case SwitchSectionSyntax section:
                statements = section.Statements;
                break;
            default:
                return null;
        }

        var index = statements.IndexOf(statement);
        var rest = statements.Skip(index + 1).ToList();
        if (rest.Any(s => s is LocalFunctionStatementSyntax or LabeledStatementSyntax))
        {
            // Moving these into a nested block would hide them from code outside it.
            return null;
        }

        var body = replacement is null ? rest : new[] { replacement.WithoutLeadingTrivia() }.Concat(rest).ToList();
        var usingStatement = UsingStatement(Block(body))
            .WithDeclaration(declaration)
            .WithAwaitKeyword(AwaitKeyword(kind))
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(rest.Count > 0 ? rest[rest.Count - 1].GetTrailingTrivia() : statement.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        var newStatements = statements.Take(index).Append(usingStatement);
        return statement.Parent switch
        {
            BlockSyntax block => root.ReplaceNode(block, block.WithStatements(List(newStatements))),
            SwitchSectionSyntax section => root.ReplaceNode(section, section.WithStatements(List(newStatements))),
            _ => null,
        };
    }

    /// <summary>Inside an async method, local function or lambda (top-level statements may always await).</summary>
    public static bool IsInAsyncFunction(SyntaxNode position)
    {
        foreach (var ancestor in position.AncestorsAndSelf())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case BaseMethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case AccessorDeclarationSyntax:
                    return false;
                case CompilationUnitSyntax:
                    return true;
            }
        }

        return false;
    }
}

internal enum UsingKind
{
    None,
    Using,
    AwaitUsing,
}

/// <summary>What the language version allows and which form the rule asks for.</summary>
internal readonly struct UsingStyle
{
    public UsingStyle(bool declarationsAllowed, bool preferAwaitUsing)
    {
        DeclarationsAllowed = declarationsAllowed;
        PreferAwaitUsing = preferAwaitUsing;
    }

    /// <summary>C# 8: using declarations and <c>await using</c>.</summary>
    public bool DeclarationsAllowed { get; }

    public bool PreferAwaitUsing { get; }

    public UsingKind Choose(ITypeSymbol? type, SyntaxNode position, SemanticModel model)
    {
        if (type is null)
        {
            return UsingKind.None;
        }

        var asyncDisposable = model.Compilation.GetTypeByMetadataName("System.IAsyncDisposable");
        if (PreferAwaitUsing && DeclarationsAllowed && WellKnownTypes.Implements(type, asyncDisposable) && UsingForms.IsInAsyncFunction(position))
        {
            return UsingKind.AwaitUsing;
        }

        return WellKnownTypes.Implements(type, model.Compilation.GetSpecialType(SpecialType.System_IDisposable)) ? UsingKind.Using : UsingKind.None;
    }
}
