using System.Collections.Concurrent;
using LeakAnalyzers.Configuration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Ownership;

/// <summary>
/// Per-compilation state of the disposal/ownership engine: well-known types, parsed options
/// and the memoised verdicts on same-compilation methods ("does this parameter take ownership?").
/// Shared by every disposal rule (LEAK001/002/003/008).
/// </summary>
internal sealed class OwnershipContext
{
    private readonly AnalyzerOptions _options;
    private readonly MethodNameListCache _methodLists = new();
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _semanticModels = new();
    private readonly ConcurrentDictionary<IParameterSymbol, bool> _parameterTakesOwnership = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _receiverTakesOwnership = new(SymbolEqualityComparer.Default);

    public OwnershipContext(Compilation compilation, AnalyzerOptions options)
    {
        Compilation = compilation;
        _options = options;
        Types = WellKnownTypes.Create(compilation);
    }

    public Compilation Compilation { get; }

    public WellKnownTypes Types { get; }

    public OwnershipPolicy GetPolicy(SyntaxTree tree) =>
        OwnershipPolicy.Read(_options.AnalyzerConfigOptionsProvider.GetOptions(tree), _methodLists.Get);

    /// <summary>The operation tree of a declaration in this compilation (for same-compilation callees); null for other compilations.</summary>
    public IOperation? GetOperation(SyntaxNode declaration)
    {
        // In the IDE and dotnet format a project reference is a compilation reference: its
        // methods have source declarations, but their trees belong to another compilation.
        if (!Compilation.ContainsSyntaxTree(declaration.SyntaxTree))
        {
            return null;
        }

#pragma warning disable RS1030 // Callee bodies may live in other trees; models are cached per tree for the compilation's lifetime.
        var model = _semanticModels.GetOrAdd(declaration.SyntaxTree, tree => Compilation.GetSemanticModel(tree));
#pragma warning restore RS1030
        return model.GetOperation(declaration);
    }

    internal bool TryGetCachedParameterVerdict(IParameterSymbol parameter, out bool takesOwnership) =>
        _parameterTakesOwnership.TryGetValue(parameter, out takesOwnership);

    internal void CacheParameterVerdict(IParameterSymbol parameter, bool takesOwnership) =>
        _parameterTakesOwnership.TryAdd(parameter, takesOwnership);

    internal bool TryGetCachedReceiverVerdict(IMethodSymbol method, out bool takesOwnership) =>
        _receiverTakesOwnership.TryGetValue(method, out takesOwnership);

    internal void CacheReceiverVerdict(IMethodSymbol method, bool takesOwnership) =>
        _receiverTakesOwnership.TryAdd(method, takesOwnership);
}

/// <summary>The user's escape hatches that apply to one file.</summary>
internal readonly struct OwnershipPolicy
{
    /// <summary>Reads the two method lists of a file's options; <paramref name="parse"/> may cache.</summary>
    public static OwnershipPolicy Read(AnalyzerConfigOptions options, System.Func<string?, MethodNameList> parse)
    {
        options.TryGetValue(OptionKeys.OwnershipTransferMethods, out var transfer);
        options.TryGetValue(OptionKeys.DisposingMethods, out var disposing);
        return new OwnershipPolicy(parse(transfer), parse(disposing));
    }

    public OwnershipPolicy(MethodNameList ownershipTransferMethods, MethodNameList disposingMethods)
    {
        OwnershipTransferMethods = ownershipTransferMethods;
        DisposingMethods = disposingMethods;
    }

    public MethodNameList OwnershipTransferMethods { get; }

    public MethodNameList DisposingMethods { get; }
}
