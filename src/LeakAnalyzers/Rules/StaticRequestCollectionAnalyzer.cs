using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using LeakAnalyzers.Configuration;
using LeakAnalyzers.Lifetimes;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>
/// LEAK007: a collection that lives as long as the process and holds request objects keeps every
/// request whose entry some code path forgets to remove.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StaticRequestCollectionAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Set when the dictionary's key type itself is request-scoped: the shape a weak table can replace.</summary>
    internal const string KeyIsRequestScopedProperty = "KeyIsRequestScoped";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.StaticCollectionKeyedByRequest,
        title: "Static collection keyed by request objects",
        messageFormat: "{0} '{1}' holds {2} {3}s for the process lifetime: every request whose entry is not removed leaks; use a ConditionalWeakTable or per-request state",
        description: "A static collection, or one held by a singleton or middleware, lives as long as the process. Request objects put into it stay reachable until some code path removes them; one path that forgets (an error branch, a route outside the clean-up middleware) leaks every request that takes it. A ConditionalWeakTable keyed by the request object lets each entry die with its request.");

    /// <summary>How deep request objects are looked for inside nested collections, tuples and arrays.</summary>
    private const int MaxNesting = 3;

    /// <summary>Methods of non-generic collections that store their arguments.</summary>
    private static readonly ImmutableHashSet<string> StoringMethods = ImmutableHashSet.Create("Add", "Insert", "Enqueue", "Push", "TryAdd");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var (compilation, options) = (start.Compilation, start.Options);
            var analysis = new DeferredCompilationState<Analysis>(() => new Analysis(compilation, options));
            start.RegisterSymbolAction(symbolContext => AnalyzeTypedField(symbolContext, analysis.Value), SymbolKind.Field);
            start.RegisterSymbolStartAction(typeContext => AnalyzeUntypedFields(typeContext, analysis.Value), SymbolKind.NamedType);
            start.RegisterSymbolStartAction(typeContext => AnalyzeUsesOfPrivateFields(typeContext, analysis.Value), SymbolKind.NamedType);
        });
    }

    /// <summary>Generic collections: the declared key, value and element types say what the field holds.</summary>
    private static void AnalyzeTypedField(SymbolAnalysisContext context, Analysis analysis)
    {
        var field = (IFieldSymbol)context.Symbol;
        if (!IsJudgedByItsUses(field) && TypedFieldDiagnostic(field, analysis, context.CancellationToken) is { } diagnostic)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>The diagnostic for a field of a generic collection of request objects, or null.</summary>
    private static Diagnostic? TypedFieldDiagnostic(IFieldSymbol field, Analysis analysis, CancellationToken cancellationToken)
    {
        if (!IsCandidate(field) ||
            !analysis.Collections.TryGetComponents(field.Type, out var components) ||
            (analysis.Collections.IsImmutable(field.Type) && field.IsReadOnly))
        {
            return null;
        }

        var configured = analysis.RequestTypes.ConfiguredFor(field.Locations[0].SourceTree!);
        foreach (var (componentType, role) in components)
        {
            if (analysis.FindRequestScoped(componentType, configured, depth: 0) is not { } requestType)
            {
                continue;
            }

            if (DescribeHolder(field, analysis, cancellationToken) is not { } holder)
            {
                return null;
            }

            var properties = role == Role.Key && SymbolEqualityComparer.Default.Equals(requestType, componentType)
                ? ImmutableDictionary<string, string?>.Empty.Add(KeyIsRequestScopedProperty, "true")
                : ImmutableDictionary<string, string?>.Empty;
            return Diagnostic.Create(Rule, DeclaratorLocation(field, cancellationToken), properties, holder, field.Name, requestType.Name, role);
        }

        return null;
    }

    /// <summary>
    /// A private field of a type without nested types is used only by code the type's own analysis
    /// sees: it is judged at the end of the type, by its uses (<see cref="AnalyzeUsesOfPrivateFields"/>).
    /// </summary>
    private static bool IsJudgedByItsUses(IFieldSymbol field) =>
        field.DeclaredAccessibility == Accessibility.Private && field.ContainingType.GetTypeMembers().IsEmpty;

    /// <summary>
    /// A private collection whose every store is followed at once by a <c>try</c>/<c>finally</c> that
    /// removes the same entry (<see cref="RequestEntries"/>) leaves no path that keeps a request:
    /// it is not reported. Any other store, or a use the analysis cannot follow, and it is.
    /// </summary>
    private static void AnalyzeUsesOfPrivateFields(SymbolStartAnalysisContext context, Analysis analysis)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var judged = new ConcurrentDictionary<IFieldSymbol, Diagnostic>(SymbolEqualityComparer.Default);
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol field && IsJudgedByItsUses(field) && TypedFieldDiagnostic(field, analysis, context.CancellationToken) is { } diagnostic)
            {
                judged.TryAdd(field, diagnostic);
            }
        }

        if (judged.IsEmpty)
        {
            return;
        }

        // Per field: bit 1, some store; bit 2, some store or use that may keep an entry.
        const int Stored = 1, Unguarded = 2;
        var uses = new ConcurrentDictionary<IFieldSymbol, int>(SymbolEqualityComparer.Default);
        context.RegisterOperationAction(
            operationContext =>
            {
                var reference = (IFieldReferenceOperation)operationContext.Operation;
                if (!judged.ContainsKey(reference.Field))
                {
                    return;
                }

                var flags = RequestEntries.Classify(reference, out var store) switch
                {
                    EntryUse.Store => Stored | (RequestEntries.IsRemovedWhenScopeEnds(store!, reference.Field) ? 0 : Unguarded),
                    EntryUse.Read => 0,
                    _ => Unguarded,
                };
                uses.AddOrUpdate(reference.Field, flags, (_, earlier) => earlier | flags);
            },
            OperationKind.FieldReference);
        context.RegisterSymbolEndAction(endContext =>
        {
            foreach (var pair in judged)
            {
                // A field nothing stores into is still reported: its declaration is the leak-prone design.
                if (!uses.TryGetValue(pair.Key, out var flags) || flags != Stored)
                {
                    endContext.ReportDiagnostic(pair.Value);
                }
            }
        });
    }

    /// <summary>
    /// Non-generic collections (<c>Hashtable</c>, <c>ArrayList</c>, ...) say nothing by their type:
    /// they are reported when the type that declares them stores a request object in them.
    /// </summary>
    private static void AnalyzeUntypedFields(SymbolStartAnalysisContext context, Analysis analysis)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var fields = ImmutableHashSet.CreateBuilder<IFieldSymbol>(SymbolEqualityComparer.Default);
        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol field && IsCandidate(field) && analysis.Collections.IsUntyped(field.Type))
            {
                fields.Add(field);
            }
        }

        if (fields.Count == 0)
        {
            return;
        }

        var tracked = fields.ToImmutable();
        var stored = new ConcurrentDictionary<IFieldSymbol, (ITypeSymbol Type, string Role)>(SymbolEqualityComparer.Default);
        context.RegisterOperationAction(
            operationContext =>
            {
                foreach (var (field, value, role) in StoredValues(operationContext.Operation))
                {
                    if (tracked.Contains(field) &&
                        value.Type is { } valueType &&
                        analysis.FindRequestScoped(valueType, analysis.RequestTypes.ConfiguredFor(field.Locations[0].SourceTree!), depth: 0) is { } requestType)
                    {
                        stored.TryAdd(field, (requestType, role));
                    }
                }
            },
            OperationKind.Invocation,
            OperationKind.SimpleAssignment);
        context.RegisterSymbolEndAction(endContext =>
        {
            foreach (var pair in stored)
            {
                if (DescribeHolder(pair.Key, analysis, endContext.CancellationToken) is { } holder)
                {
                    endContext.ReportDiagnostic(Diagnostic.Create(Rule, DeclaratorLocation(pair.Key, endContext.CancellationToken), holder, pair.Key.Name, pair.Value.Type.Name, pair.Value.Role));
                }
            }
        });
    }

    /// <summary>Values stored into a field's collection: <c>field.Add(k, v)</c>, <c>field.Enqueue(x)</c>, <c>field[k] = v</c>.</summary>
    private static IEnumerable<(IFieldSymbol Field, IOperation Value, string Role)> StoredValues(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation { Instance: { } instance } invocation
                when StoringMethods.Contains(invocation.TargetMethod.Name) && OperationNavigation.SkipConversions(instance) is IFieldReferenceOperation fieldReference:
                foreach (var argument in invocation.Arguments)
                {
                    var role = argument.Parameter?.Name == "key" ? Role.Key : invocation.Arguments.Length > 1 ? Role.Value : Role.Element;
                    yield return (fieldReference.Field, OperationNavigation.SkipConversions(argument.Value), role);
                }

                break;
            case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } indexer } assignment
                when OperationNavigation.SkipConversions(instance) is IFieldReferenceOperation fieldReference:
                foreach (var argument in indexer.Arguments)
                {
                    yield return (fieldReference.Field, OperationNavigation.SkipConversions(argument.Value), Role.Key);
                }

                yield return (fieldReference.Field, OperationNavigation.SkipConversions(assignment.Value), Role.Value);
                break;
        }
    }

    private static bool IsCandidate(IFieldSymbol field) =>
        !field.IsConst && !field.IsImplicitlyDeclared && field.DeclaringSyntaxReferences.Length == 1 && field.Locations[0].SourceTree is not null;

    /// <summary>What keeps the field alive for the process, or null when nothing does (locals, scoped and transient services, controllers).</summary>
    private static string? DescribeHolder(IFieldSymbol field, Analysis analysis, CancellationToken cancellationToken)
    {
        if (field.IsStatic)
        {
            return "Static field";
        }

        return analysis.SharedInstances.Classify(field.ContainingType, cancellationToken) switch
        {
            SharedKind.Singleton => $"Field of singleton '{field.ContainingType.Name}'",
            SharedKind.Middleware => $"Field of middleware '{field.ContainingType.Name}'",
            _ => null,
        };
    }

    private static Location DeclaratorLocation(IFieldSymbol field, CancellationToken cancellationToken) =>
        field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken).GetLocation();

    private static class Role
    {
        public const string Key = "key";
        public const string Value = "value";
        public const string Element = "element";
    }

    /// <summary>Per-compilation state: resolved types, options, and the singleton scan.</summary>
    private sealed class Analysis
    {
        public Analysis(Compilation compilation, AnalyzerOptions options)
        {
            Collections = new CollectionTypes(compilation);
            RequestTypes = new RequestScopedTypes(compilation, options);
            SharedInstances = new SharedInstances(compilation);
        }

        public CollectionTypes Collections { get; }

        public RequestScopedTypes RequestTypes { get; }

        public SharedInstances SharedInstances { get; }

        /// <summary>
        /// The request-scoped type held by a value of <paramref name="type"/>: the type itself, or
        /// inside an array, tuple, <c>KeyValuePair</c> or nested collection. Delegates and other
        /// generic types are not looked into: a <c>Func&lt;HttpContext, Task&gt;</c> holds no request.
        /// </summary>
        public ITypeSymbol? FindRequestScoped(ITypeSymbol type, TypeNameList configured, int depth)
        {
            if (RequestTypes.IsRequestScoped(type, configured))
            {
                return type;
            }

            if (depth == MaxNesting)
            {
                return null;
            }

            if (type is IArrayTypeSymbol array)
            {
                return FindRequestScoped(array.ElementType, configured, depth + 1);
            }

            if (type is INamedTypeSymbol { IsTupleType: true } tuple)
            {
                foreach (var element in tuple.TupleElements)
                {
                    if (FindRequestScoped(element.Type, configured, depth + 1) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            }

            if (Collections.TryGetComponents(type, out var components))
            {
                foreach (var (componentType, _) in components)
                {
                    if (FindRequestScoped(componentType, configured, depth + 1) is { } found)
                    {
                        return found;
                    }
                }
            }

            return null;
        }
    }

    /// <summary>The collection interfaces of one compilation, and what a collection type holds.</summary>
    private sealed class CollectionTypes
    {
        private readonly ImmutableArray<INamedTypeSymbol> _dictionaries;
        private readonly ImmutableArray<INamedTypeSymbol> _collections;
        private readonly INamedTypeSymbol? _keyValuePair;
        private readonly INamedTypeSymbol? _untypedCollection;

        public CollectionTypes(Compilation compilation)
        {
            _dictionaries = WellKnownTypes.ResolveAll(compilation, "System.Collections.Generic.IDictionary`2", "System.Collections.Generic.IReadOnlyDictionary`2");
            _collections = WellKnownTypes.ResolveAll(
                compilation,
                "System.Collections.Generic.ICollection`1",
                "System.Collections.Generic.IReadOnlyCollection`1",
                "System.Collections.Generic.ISet`1",
                "System.Collections.Concurrent.IProducerConsumerCollection`1");
            _keyValuePair = compilation.GetTypeByMetadataName("System.Collections.Generic.KeyValuePair`2");
            _untypedCollection = compilation.GetTypeByMetadataName("System.Collections.ICollection");
        }

        /// <summary>
        /// Key and value types of a dictionary, or the element type of a collection (split into key
        /// and value for <c>KeyValuePair</c> elements). Arrays are not collections here: they
        /// cannot grow.
        /// </summary>
        public bool TryGetComponents(ITypeSymbol type, out ImmutableArray<(ITypeSymbol Type, string Role)> components)
        {
            components = ImmutableArray<(ITypeSymbol, string)>.Empty;
            if (type is IArrayTypeSymbol)
            {
                return false;
            }

            if (FindImplemented(type, _dictionaries) is { } dictionary)
            {
                components = ImmutableArray.Create((dictionary.TypeArguments[0], Role.Key), (dictionary.TypeArguments[1], Role.Value));
                return true;
            }

            if (FindImplemented(type, _collections) is not { } collection)
            {
                return false;
            }

            var element = collection.TypeArguments[0];
            components = element is INamedTypeSymbol { TypeArguments.Length: 2 } pair && SymbolEqualityComparer.Default.Equals(pair.OriginalDefinition, _keyValuePair)
                ? ImmutableArray.Create((pair.TypeArguments[0], Role.Key), (pair.TypeArguments[1], Role.Value))
                : ImmutableArray.Create((element, Role.Element));
            return true;
        }

        /// <summary>A non-generic collection (<c>Hashtable</c>, <c>ArrayList</c>, <c>Queue</c>...): its type does not say what it holds.</summary>
        public bool IsUntyped(ITypeSymbol type) =>
            type is not IArrayTypeSymbol &&
            WellKnownTypes.Implements(type, _untypedCollection) &&
            !TryGetComponents(type, out _);

        /// <summary>Immutable and frozen collections only grow by replacing the field's value.</summary>
        public bool IsImmutable(ITypeSymbol type) =>
            type.ContainingNamespace?.ToDisplayString() is "System.Collections.Immutable" or "System.Collections.Frozen";

        private static INamedTypeSymbol? FindImplemented(ITypeSymbol type, ImmutableArray<INamedTypeSymbol> definitions)
        {
            foreach (var definition in definitions)
            {
                if (type is INamedTypeSymbol named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, definition))
                {
                    return named;
                }

                foreach (var implemented in type.AllInterfaces)
                {
                    if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, definition))
                    {
                        return implemented;
                    }
                }
            }

            return null;
        }
    }
}
