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

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007: replace a dictionary keyed by request objects with a ConditionalWeakTable, rewriting
/// every use; or remove each entry when the request that stored it ends (try/finally).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ConditionalWeakTableCodeFixProvider))]
[Shared]
public sealed class ConditionalWeakTableCodeFixProvider : CodeFixProvider
{
    internal const string Title = "Replace with ConditionalWeakTable";
    internal const string RemoveTitle = "Remove the entry when the request ends";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.StaticCollectionKeyedByRequest);

    public override FixAllProvider GetFixAllProvider() => FieldFixAllProvider.Instance;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var solution = context.Document.Project.Solution;
        foreach (var diagnostic in context.Diagnostics)
        {
            foreach (var title in new[] { Title, RemoveTitle })
            {
                if (await PlanAsync(solution, diagnostic, title, fallBack: false, context.CancellationToken).ConfigureAwait(false) is { } plan)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(title, cancellationToken => FieldRewritePlan.ApplyAsync(solution, new[] { plan }, cancellationToken), equivalenceKey: title),
                        diagnostic);
                }
            }
        }
    }

    /// <param name="title">The fix chosen; with <paramref name="fallBack"/> (Fix All) the other one is taken where the chosen one does not apply.</param>
    private static async Task<FieldRewritePlan?> PlanAsync(Solution solution, Diagnostic diagnostic, string? title, bool fallBack, CancellationToken cancellationToken)
    {
        if (solution.GetDocument(diagnostic.Location.SourceTree) is not { } document ||
            await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
        {
            return null;
        }

        var target = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var preferred = title == RemoveTitle ? new[] { RemoveTitle, Title } : new[] { Title, RemoveTitle };
        foreach (var fix in fallBack ? preferred : preferred.Take(1))
        {
            var plan = fix == RemoveTitle
                ? await RemoveWhenRequestEndsRewriter.PlanAsync(document, target, cancellationToken).ConfigureAwait(false)
                // Only a request object as the key can be held weakly; a request object as the value has no owner to die with.
                : diagnostic.Properties.ContainsKey(StaticRequestCollectionAnalyzer.KeyIsRequestScopedProperty)
                    ? await ConditionalWeakTableRewriter.PlanAsync(document, target, cancellationToken).ConfigureAwait(false)
                    : null;
            if (plan is not null)
            {
                return plan;
            }
        }

        return null;
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
            var title = fixAllContext.CodeActionEquivalenceKey ?? Title;
            return diagnostics.Count == 0
                ? null
                : CodeAction.Create(title, cancellationToken => FixAllAsync(solution, diagnostics, title, cancellationToken), equivalenceKey: title);
        }

        private static async Task<Solution> FixAllAsync(Solution solution, List<Diagnostic> diagnostics, string title, CancellationToken cancellationToken)
        {
            var plans = new List<FieldRewritePlan>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath).ThenBy(d => d.Location.SourceSpan.Start))
            {
                if (await PlanAsync(solution, diagnostic, title, fallBack: true, cancellationToken).ConfigureAwait(false) is { } plan &&
                    !plans.Any(planned => SymbolEqualityComparer.Default.Equals(planned.Field, plan.Field)))
                {
                    plans.Add(plan);
                }
            }

            return await FieldRewritePlan.ApplyAsync(solution, plans, cancellationToken).ConfigureAwait(false);
        }
    }
}
