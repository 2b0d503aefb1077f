using System.Diagnostics;

namespace Gateway;

/// <summary>
/// GET /diag: what the process holds. Open descriptors and sockets are counted twice: as they
/// are (what the service lives with between collections) and after a forced full collection
/// with finalizers run (what is really pinned). ?gc=false skips the collection.
/// </summary>
internal static class Diagnostics
{
    public static IResult Snapshot(bool? gc)
    {
        var (fdsLive, socketsLive) = CountDescriptors();
        var collected = gc ?? true;
        if (collected)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        var (fds, sockets) = CountDescriptors();
        using var process = Process.GetCurrentProcess();
        return Results.Json(new
        {
            collected,
            heapBytes = GC.GetTotalMemory(forceFullCollection: false),
            workingSetBytes = process.WorkingSet64,
            threads = process.Threads.Count,
            fds,
            sockets,
            fdsLive,
            socketsLive,
            gcCount = GC.CollectionCount(0),
        });
    }

    private static (int Fds, int Sockets) CountDescriptors()
    {
        var fds = 0;
        var sockets = 0;
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                fds++;
                try
                {
                    if (new FileInfo(entry).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                    {
                        sockets++;
                    }
                }
                catch (IOException)
                {
                    // The descriptor was closed while we looked.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return (-1, -1);
        }

        return (fds, sockets);
    }
}
