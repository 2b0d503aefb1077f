using System.Composition;
using System.Reflection;
using System.Text.RegularExpressions;
using LeakAnalyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LeakAnalyzers.Tests;

/// <summary>
/// Keeps the house honest: every rule has its page, its help link, its README row and its
/// release-tracking entry; every fixer is exported, shared, and fixes all in every scope.
/// </summary>
public sealed class ConventionTests
{
    private static readonly DiagnosticAnalyzer[] Analyzers = typeof(RuleIdentifiers).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type))
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToArray();

    private static readonly Type[] Fixers = typeof(LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(type))
        .ToArray();

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct())
        {
            data.Add(id);
        }

        return data;
    }

    public static TheoryData<string> FixerNames()
    {
        var data = new TheoryData<string>();
        foreach (var fixer in Fixers)
        {
            data.Add(fixer.Name);
        }

        return data;
    }

    [Fact]
    public void Every_analyzer_is_exported_for_CSharp()
    {
        Assert.NotEmpty(Analyzers);
        foreach (var analyzer in Analyzers)
        {
            var attribute = analyzer.GetType().GetCustomAttribute<DiagnosticAnalyzerAttribute>();
            Assert.True(attribute is not null && attribute.Languages.Contains(LanguageNames.CSharp), analyzer.GetType().Name);
        }
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Every_rule_has_its_page_help_link_readme_row_and_release_entry(string id)
    {
        var descriptor = Analyzers.SelectMany(a => a.SupportedDiagnostics).First(d => d.Id == id);

        Assert.Equal(RuleIdentifiers.Category, descriptor.Category);
        Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
        Assert.Equal(RuleIdentifiers.GetHelpUri(id), descriptor.HelpLinkUri);
        Assert.EndsWith($"docs/rules/{id}.md", descriptor.HelpLinkUri);

        var page = Repository.PathOf("docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"{page} is missing");
        Assert.Equal($"# {id}: {descriptor.Title}", File.ReadLines(page).First());

        var readme = File.ReadAllText(Repository.PathOf("README.md"));
        Assert.Matches(new Regex($@"^\| \[{id}\]\(docs/rules/{id}\.md\) \| {Regex.Escape(descriptor.Title.ToString())} \| implemented \|", RegexOptions.Multiline), readme);

        var releases = File.ReadAllText(Repository.PathOf("src", "LeakAnalyzers", "AnalyzerReleases.Unshipped.md")) +
                       File.ReadAllText(Repository.PathOf("src", "LeakAnalyzers", "AnalyzerReleases.Shipped.md"));
        Assert.Matches(new Regex($@"^{id} \| {RuleIdentifiers.Category} \| Warning \|", RegexOptions.Multiline), releases);
    }

    [Theory]
    [MemberData(nameof(FixerNames))]
    public void Every_fixer_is_exported_shared_and_fixes_all_in_every_scope(string name)
    {
        var type = Fixers.Single(f => f.Name == name);
        var export = type.GetCustomAttribute<ExportCodeFixProviderAttribute>();
        Assert.NotNull(export);
        Assert.Equal(type.Name, export!.Name);
        Assert.Contains(LanguageNames.CSharp, export.Languages);
        Assert.NotNull(type.GetCustomAttribute<SharedAttribute>());

        var fixer = (CodeFixProvider)Activator.CreateInstance(type)!;
        var fixAll = fixer.GetFixAllProvider();
        Assert.NotNull(fixAll);
        Assert.Contains(FixAllScope.Document, fixAll!.GetSupportedFixAllScopes());
        Assert.Contains(FixAllScope.Project, fixAll.GetSupportedFixAllScopes());
        Assert.Contains(FixAllScope.Solution, fixAll.GetSupportedFixAllScopes());

        var ruleIds = Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
        Assert.All(fixer.FixableDiagnosticIds, id => Assert.Contains(id, ruleIds));
    }
}
