namespace Gateway;

/// <summary>The process-wide client for the content service (the "default client" of incident 1: no timeout of its own).</summary>
internal static class ContentService
{
    public static Uri BaseAddress { get; set; } = new("http://127.0.0.1:5001");

    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient { BaseAddress = BaseAddress });

    public static HttpClient Client => SharedClient.Value;
}
