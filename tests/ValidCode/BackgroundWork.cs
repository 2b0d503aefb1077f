namespace ValidCode;

/// <summary>Fire-and-forget work that is bounded, observed, or has nothing to cancel (LEAK004/005/006 stay quiet).</summary>
public sealed class BackgroundWork(IHttpClientFactory factory)
{
    private static int Hash(string text) => text.Length;

    /// <summary>What LEAK004's fix writes: the work owns a timeout source and gives its token to its calls.</summary>
    public void Audit(string path) =>
        _ = Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var client = factory.CreateClient("audit");
            await client.GetStringAsync("/audit?path=" + Uri.EscapeDataString(path), cts.Token);
        });

    /// <summary>Pure CPU work has nothing a token could stop early.</summary>
    public async Task<int> HashAll(string[] texts)
    {
        _ = Task.Run(() => Hash(string.Concat(texts)));
        var hashes = await Task.WhenAll(texts.Select(text => Task.Run(() => Hash(text))));
        return hashes.Sum();
    }

    /// <summary>A task kept in a local that is awaited later is observed.</summary>
    public async Task<string> Prefetch(CancellationToken cancellationToken)
    {
        var client = factory.CreateClient("store");
        var pending = client.GetStringAsync("/prefetch", cancellationToken);
        await Task.Yield();
        return await pending;
    }
}
