using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004 "bound the work": a call on a writer whose writes must keep their order - a channel's
/// <c>ChannelWriter&lt;T&gt;</c>, a <c>Stream</c>, a <c>PipeWriter</c>, a <c>WebSocket</c>. Moving each
/// write into its own <c>Task.Run</c> would let a later write overtake an earlier one.
/// </summary>
internal static class OrderedWriter
{
    private static readonly string[] WriterTypes =
    {
        "System.Threading.Channels.ChannelWriter`1",
        "System.IO.Stream",
        "System.IO.Pipelines.PipeWriter",
        "System.Net.WebSockets.WebSocket",
    };

    public static bool Receives(IInvocationOperation call, Compilation compilation)
    {
        var receiver = call.Instance?.Type ??
                       (call.TargetMethod.IsExtensionMethod && call.Arguments.Length > 0 ? call.Arguments[0].Value.Type : null);
        if (receiver is null)
        {
            return false;
        }

        foreach (var name in WriterTypes)
        {
            if (compilation.GetTypeByMetadataName(name) is not { } writer)
            {
                continue;
            }

            for (var current = receiver; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, writer))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
