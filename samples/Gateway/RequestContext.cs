namespace Gateway;

/// <summary>
/// The gorilla/context of incident 5: a process-wide map of per-request values keyed by the
/// request. The API middleware clears an entry when its request ends; any route mapped
/// outside that middleware leaves its entry (and the whole request it is keyed by) behind.
/// </summary>
internal static class RequestContext
{
    private static readonly object Gate = new();
    private static readonly Dictionary<HttpContext, Dictionary<string, object>> Values = new();

    public static void Set(HttpContext context, string key, object value)
    {
        lock (Gate)
        {
            if (!Values.TryGetValue(context, out var values))
            {
                values = new Dictionary<string, object>();
                Values[context] = values;
            }

            values[key] = value;
        }
    }

    public static object? Get(HttpContext context, string key)
    {
        lock (Gate)
        {
            return Values.TryGetValue(context, out var values) && values.TryGetValue(key, out var value) ? value : null;
        }
    }

    public static void Clear(HttpContext context)
    {
        lock (Gate)
        {
            Values.Remove(context);
        }
    }
}
