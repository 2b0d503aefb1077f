using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>
/// The reference assemblies test sources compile against: the framework reference packs of
/// this test project (.NET and ASP.NET Core) plus, on request, the assemblies of a NuGet
/// package it references. The list is written at build time (see the csproj), so tests use
/// real reference assemblies rather than the runtime's implementation assemblies.
/// </summary>
internal static class TestReferences
{
    private static readonly string[] FrameworkPackages = { "Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref" };

    private static readonly Lazy<ILookup<string, string>> PathsByPackage = new(LoadPaths);
    private static readonly ConcurrentDictionary<string, MetadataReference> ReferenceByPath = new();
    private static readonly Lazy<ImmutableArray<MetadataReference>> Framework = new(() => ForPackages(FrameworkPackages));

    public static ImmutableArray<MetadataReference> FrameworkReferences => Framework.Value;

    /// <summary>What the .NET SDK's implicit usings give a console or library project (C# 10 and later).</summary>
    public const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    public static ImmutableArray<MetadataReference> ForPackages(IEnumerable<string> packageIds)
    {
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var packageId in packageIds)
        {
            var paths = PathsByPackage.Value[packageId].ToList();
            if (paths.Count == 0)
            {
                throw new InvalidOperationException($"The test project does not reference package '{packageId}'; add a PackageReference to LeakAnalyzers.Tests.csproj.");
            }

            foreach (var path in paths)
            {
                builder.Add(ReferenceByPath.GetOrAdd(path, p => MetadataReference.CreateFromFile(p)));
            }
        }

        return builder.ToImmutable();
    }

    private static ILookup<string, string> LoadPaths()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "test-references.txt");
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"'{file}' is missing: it is written by the WriteTestReferences target of the test project.");
        }

        return File.ReadAllLines(file)
            .Select(line => line.Split('|', 2))
            .Where(parts => parts.Length == 2 && parts[0].Length > 0 && File.Exists(parts[1]))
            .ToLookup(parts => parts[0], parts => parts[1], StringComparer.OrdinalIgnoreCase);
    }
}
