using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>LEAK007: replace a dictionary keyed by request objects with a ConditionalWeakTable, rewriting every use.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ConditionalWeakTableCodeFixProvider))]
[Shared]
public sealed class ConditionalWeakTableCodeFixProvider : CodeFixProvider
{
    internal const string Title = "Replace with ConditionalWeakTable";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.StaticCollectionKeyedByRequest);

    public override FixAllProvider GetFixAllProvider() => FieldFixAllProvider.Instance;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (await PlanAsync(context.Document.Project.Solution, diagnostic, context.CancellationToken).ConfigureAwait(false) is { } plan)
            {
                var solution = context.Document.Project.Solution;
                context.RegisterCodeFix(
                    CodeAction.Create(Title, cancellationToken => ConditionalWeakTableRewriter.ApplyAsync(solution, new[] { plan }, cancellationToken), equivalenceKey: Title),
                    diagnostic);
            }
        }
    }

    private static async Task<ConditionalWeakTableRewriter.Plan?> PlanAsync(Solution solution, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        // Only a request object as the key can be held weakly; a request object as the value has no owner to die with.
        if (!diagnostic.Properties.ContainsKey(StaticRequestCollectionAnalyzer.KeyIsRequestScopedProperty) ||
            solution.GetDocument(diagnostic.Location.SourceTree) is not { } document ||
            await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
        {
            return null;
        }

        var target = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        return await ConditionalWeakTableRewriter.PlanAsync(document, target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fix All groups the diagnostics by field and applies every field's plan to the solution in
    /// one pass: each plan rewrites uses in other documents, which a per-document fixer cannot.
    /// </summary>
    private sealed class FieldFixAllProvider : FixAllProvider
    {
        public static readonly FieldFixAllProvider Instance = new();

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var diagnostics = new List<Diagnostic>();
            switch (fixAllContext.Scope)
            {
                case FixAllScope.Document when fixAllContext.Document is not null:
                    diagnostics.AddRange(await fixAllContext.GetDocumentDiagnosticsAsync(fixAllContext.Document).ConfigureAwait(false));
                    break;
                case FixAllScope.Project:
                    diagnostics.AddRange(await fixAllContext.GetAllDiagnosticsAsync(fixAllContext.Project).ConfigureAwait(false));
                    break;
                case FixAllScope.Solution:
                    foreach (var project in fixAllContext.Solution.Projects)
                    {
                        diagnostics.AddRange(await fixAllContext.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                    }

                    break;
            }

            var solution = fixAllContext.Solution;
            return diagnostics.Count == 0
                ? null
                : CodeAction.Create(Title, cancellationToken => FixAllAsync(solution, diagnostics, cancellationToken), equivalenceKey: Title);
        }

        private static async Task<Solution> FixAllAsync(Solution solution, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var plans = new List<ConditionalWeakTableRewriter.Plan>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath).ThenBy(d => d.Location.SourceSpan.Start))
            {
                if (await PlanAsync(solution, diagnostic, cancellationToken).ConfigureAwait(false) is { } plan &&
                    !plans.Any(planned => SymbolEqualityComparer.Default.Equals(planned.Field, plan.Field)))
                {
                    plans.Add(plan);
                }
            }

            return await ConditionalWeakTableRewriter.ApplyAsync(solution, plans, cancellationToken).ConfigureAwait(false);
        }
    }
}
