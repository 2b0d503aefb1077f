using LeakAnalyzers.Tests.Verification;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>Fluent settings for the code-fix tests of the cancellation rules.</summary>
internal static class LeakTestExtensions
{
    public static LeakTest With(this LeakTest test, Microsoft.CodeAnalysis.CSharp.LanguageVersion languageVersion)
    {
        test.LanguageVersion = languageVersion;
        return test;
    }
}
