using System.Linq;
using Microsoft.CodeAnalysis;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>How new code names a type: as the file already sees it, else fully qualified for the simplifier to import.</summary>
internal static class TypeNames
{
    /// <remarks>
    /// Adding imports does not see global usings of other files (the SDK's implicit usings) and leaves blank
    /// lines behind in a file with no using directive, so a name that already binds is written short.
    /// </remarks>
    public static string AsSeenAt(SemanticModel model, int position, string fullName)
    {
        var name = fullName.Substring(fullName.LastIndexOf('.') + 1);
        return model.LookupNamespacesAndTypes(position, name: name).Any(type => type.ToDisplayString() == fullName) ? name : "global::" + fullName;
    }
}
