using System;
using System.Collections.Generic;
using System.Linq;

namespace LeakAnalyzers.Corpus;

/// <summary>One generated source file.</summary>
internal sealed record CorpusFile(string Name, string Text);

/// <summary>
/// Deterministic ASP.NET Core service code for the benchmark and the concurrency test: modules of
/// DTOs, repositories, typed HTTP clients, services with async fan-outs, controllers, minimal-API
/// endpoints, background workers and LINQ reports. Most code is clean and disposes what it creates;
/// about one file in twelve carries one leak (LEAK001/002/003/007/008). Compiles without errors
/// against the Microsoft.NETCore.App and Microsoft.AspNetCore.App reference packs.
/// </summary>
internal static class ServiceCorpus
{
    public const int DefaultSeed = 20240605;

    /// <summary>The usings the Web SDK adds implicitly, as the first file of every corpus.</summary>
    public const string GlobalUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Net.Http.Json;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        global using global::Microsoft.AspNetCore.Builder;
        global using global::Microsoft.AspNetCore.Http;
        global using global::Microsoft.AspNetCore.Routing;
        global using global::Microsoft.Extensions.DependencyInjection;
        global using global::Microsoft.Extensions.Hosting;
        global using global::Microsoft.Extensions.Logging;
        """;

    private static readonly string[] Domains =
    {
        "Order", "Customer", "Invoice", "Shipment", "Product", "Payment", "Warehouse", "Supplier",
        "Catalog", "Basket", "Refund", "Ticket", "Account", "Booking", "Subscription", "Review",
    };

    private static readonly Func<Module, string>[] Kinds =
    {
        Dto, Repository, ApiClient, Service, Controller, Endpoints, Worker, Report,
    };

    /// <summary>The leaks and which file kinds can host them (indexes into the kinds above).</summary>
    private static readonly (string Rule, int Kind)[] LeakSlots =
    {
        ("LEAK001", 2), ("LEAK008", 3), ("LEAK002", 2), ("LEAK003", 6), ("LEAK007", 7), ("LEAK001", 4), ("LEAK008", 6),
    };

    /// <summary><paramref name="fileCount"/> source files plus the global usings; the same arguments give the same text.</summary>
    public static IReadOnlyList<CorpusFile> Generate(int fileCount, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var files = new List<CorpusFile>(fileCount + 1) { new("GlobalUsings.g.cs", GlobalUsings) };
        var leakCursor = 0;
        var pendingLeak = -1;
        for (var index = 0; index < fileCount; index++)
        {
            var kind = index % Kinds.Length;
            var moduleIndex = index / Kinds.Length;
            if (pendingLeak < 0 && random.Next(12) == 0)
            {
                // Rotate through the leaks so every size has each of them; the next file that can host it gets it.
                pendingLeak = leakCursor++ % LeakSlots.Length;
            }

            string? leak = null;
            if (pendingLeak >= 0 && LeakSlots[pendingLeak].Kind == kind)
            {
                leak = LeakSlots[pendingLeak].Rule;
                pendingLeak = -1;
            }

            var module = new Module(moduleIndex, Domains[moduleIndex % Domains.Length] + (moduleIndex / Domains.Length + 1), leak, random.Next(1000));
            files.Add(new CorpusFile($"{module.Namespace.Replace('.', '/')}/{module.Entity}{Kinds[kind].Method.Name}.cs", Kinds[kind](module)));
        }

        return files;
    }

    public static int CountLines(IEnumerable<CorpusFile> files) => files.Sum(file => file.Text.Count(c => c == '\n') + 1);

    private sealed record Module(int Index, string Entity, string? Leak, int Salt)
    {
        public string Namespace => $"Contoso.Services.M{Index / 40}.{Entity}";

        public string Route => Entity.ToLowerInvariant();

        public bool Has(string rule) => Leak == rule;
    }

    private static string Dto(Module m) => $$"""
        using System.ComponentModel.DataAnnotations;

        namespace {{m.Namespace}};

        public enum {{m.Entity}}Status
        {
            Draft,
            Active,
            Suspended,
            Archived,
        }

        public sealed record {{m.Entity}}Dto(Guid Id, string Name, decimal Amount, {{m.Entity}}Status Status, DateTimeOffset CreatedAt, IReadOnlyList<string> Tags);

        public sealed record {{m.Entity}}CreateRequest([property: Required] string Name, decimal Amount, IReadOnlyList<string>? Tags);

        public sealed record {{m.Entity}}Page(IReadOnlyList<{{m.Entity}}Dto> Items, int Total, int Skip, int Take);

        public static class {{m.Entity}}Validation
        {
            public const int MaxNameLength = {{64 + m.Salt % 64}};

            public static IEnumerable<string> Validate({{m.Entity}}CreateRequest request)
            {
                if (string.IsNullOrWhiteSpace(request.Name))
                {
                    yield return "Name is required.";
                }
                else if (request.Name.Length > MaxNameLength)
                {
                    yield return $"Name is longer than {MaxNameLength} characters.";
                }

                if (request.Amount < 0)
                {
                    yield return "Amount must not be negative.";
                }

                foreach (var tag in request.Tags ?? Array.Empty<string>())
                {
                    if (tag.Any(char.IsWhiteSpace))
                    {
                        yield return $"Tag '{tag}' contains white space.";
                    }
                }
            }

            public static {{m.Entity}}Dto ToDto(this {{m.Entity}}CreateRequest request, TimeProvider clock) =>
                new(Guid.NewGuid(), request.Name.Trim(), decimal.Round(request.Amount, 2), {{m.Entity}}Status.Draft, clock.GetUtcNow(), request.Tags?.Distinct(StringComparer.OrdinalIgnoreCase).ToArray() ?? Array.Empty<string>());
        }
        """;

    private static string Repository(Module m) => $$"""
        using System.Collections.Concurrent;

        namespace {{m.Namespace}};

        public interface I{{m.Entity}}Repository
        {
            Task<{{m.Entity}}Dto?> FindAsync(Guid id, CancellationToken cancellationToken);

            Task<{{m.Entity}}Page> ListAsync(int skip, int take, CancellationToken cancellationToken);

            Task UpsertAsync({{m.Entity}}Dto item, CancellationToken cancellationToken);

            Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken);
        }

        public sealed class {{m.Entity}}Repository : I{{m.Entity}}Repository
        {
            private readonly ConcurrentDictionary<Guid, {{m.Entity}}Dto> _items = new();
            private readonly ILogger<{{m.Entity}}Repository> _logger;

            public {{m.Entity}}Repository(ILogger<{{m.Entity}}Repository> logger) => _logger = logger;

            public Task<{{m.Entity}}Dto?> FindAsync(Guid id, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return Task.FromResult(_items.TryGetValue(id, out var item) ? item : null);
            }

            public Task<{{m.Entity}}Page> ListAsync(int skip, int take, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ordered = _items.Values
                    .Where(item => item.Status != {{m.Entity}}Status.Archived)
                    .OrderByDescending(item => item.CreatedAt)
                    .ThenBy(item => item.Name, StringComparer.Ordinal)
                    .ToList();
                return Task.FromResult(new {{m.Entity}}Page(ordered.Skip(skip).Take(take).ToList(), ordered.Count, skip, take));
            }

            public Task UpsertAsync({{m.Entity}}Dto item, CancellationToken cancellationToken)
            {
                _items.AddOrUpdate(item.Id, item, (_, _) => item);
                _logger.LogDebug("Stored {{m.Entity}} {Id}", item.Id);
                return Task.CompletedTask;
            }

            public Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken) =>
                Task.FromResult(_items.TryRemove(id, out _));

            public IReadOnlyDictionary<{{m.Entity}}Status, decimal> TotalsByStatus() =>
                _items.Values.GroupBy(item => item.Status).ToDictionary(group => group.Key, group => group.Sum(item => item.Amount));
        }
        """;

    private static string ApiClient(Module m)
    {
        var get = m.Has("LEAK001")
            ? $$"""
                    var response = await _http.GetAsync($"{{m.Route}}/{id}", cancellationToken);
                    if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                    {
                        return null;
                    }

                    response.EnsureSuccessStatusCode();
                    return await response.Content.ReadFromJsonAsync<{{m.Entity}}Dto>(cancellationToken);
            """
            : $$"""
                    using var response = await _http.GetAsync($"{{m.Route}}/{id}", cancellationToken);
                    if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                    {
                        return null;
                    }

                    response.EnsureSuccessStatusCode();
                    return await response.Content.ReadFromJsonAsync<{{m.Entity}}Dto>(cancellationToken);
            """;
        var ping = m.Has("LEAK002")
            ? $$"""
                    using var client = new HttpClient();
                    using var response = await client.GetAsync("https://{{m.Route}}.internal/health", cancellationToken);
                    return response.IsSuccessStatusCode;
            """
            : """
                    using var response = await _http.GetAsync("health", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    return response.IsSuccessStatusCode;
            """;
        return $$"""
            namespace {{m.Namespace}};

            public sealed class {{m.Entity}}ApiClient
            {
                private readonly HttpClient _http;
                private readonly ILogger<{{m.Entity}}ApiClient> _logger;

                public {{m.Entity}}ApiClient(HttpClient http, ILogger<{{m.Entity}}ApiClient> logger)
                {
                    _http = http;
                    _logger = logger;
                }

                public async Task<{{m.Entity}}Dto?> GetAsync(Guid id, CancellationToken cancellationToken)
                {
            {{get}}
                }

                public async Task<IReadOnlyList<{{m.Entity}}Dto>> ListAsync(int take, CancellationToken cancellationToken)
                {
                    var items = await _http.GetFromJsonAsync<List<{{m.Entity}}Dto>>($"{{m.Route}}?take={take}", cancellationToken);
                    return items ?? new List<{{m.Entity}}Dto>();
                }

                public async Task<Guid> CreateAsync({{m.Entity}}CreateRequest request, CancellationToken cancellationToken)
                {
                    using var response = await _http.PostAsJsonAsync("{{m.Route}}", request, cancellationToken).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    var created = await response.Content.ReadFromJsonAsync<{{m.Entity}}Dto>(cancellationToken).ConfigureAwait(false);
                    _logger.LogInformation("Created {{m.Entity}} {Id}", created?.Id);
                    return created?.Id ?? Guid.Empty;
                }

                public async Task<string> ExportAsync(Guid id, CancellationToken cancellationToken)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"{{m.Route}}/{id}/export");
                    request.Headers.Add("Accept", "text/csv");
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    using var reader = new StreamReader(body);
                    return await reader.ReadToEndAsync(cancellationToken);
                }

                public async Task<bool> PingAsync(CancellationToken cancellationToken)
                {
            {{ping}}
                }
            }
            """;
    }

    private static string Service(Module m)
    {
        var timeout = m.Has("LEAK008")
            ? """
                    var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(30));
            """
            : """
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(30));
            """;
        return $$"""
            namespace {{m.Namespace}};

            public sealed class {{m.Entity}}Service
            {
                private readonly I{{m.Entity}}Repository _repository;
                private readonly {{m.Entity}}ApiClient _client;
                private readonly ILogger<{{m.Entity}}Service> _logger;
                private readonly TimeProvider _clock;

                public {{m.Entity}}Service(I{{m.Entity}}Repository repository, {{m.Entity}}ApiClient client, ILogger<{{m.Entity}}Service> logger, TimeProvider clock)
                {
                    _repository = repository;
                    _client = client;
                    _logger = logger;
                    _clock = clock;
                }

                public async Task<IReadOnlyList<{{m.Entity}}Dto>> GetManyAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken)
                {
                    var lookups = ids.Distinct().Select(id => _repository.FindAsync(id, cancellationToken)).ToList();
                    var found = await Task.WhenAll(lookups);
                    return found.Where(item => item is not null).Select(item => item!).ToList();
                }

                public async Task<int> SyncAsync(int take, CancellationToken cancellationToken)
                {
            {{timeout}}
                    var remote = await _client.ListAsync(take, timeout.Token);
                    var tasks = remote.Where(item => item.Status == {{m.Entity}}Status.Active).Select(item => _repository.UpsertAsync(item, timeout.Token));
                    await Task.WhenAll(tasks);
                    _logger.LogInformation("Synchronized {Count} {{m.Entity}} items at {Time}", remote.Count, _clock.GetUtcNow());
                    return remote.Count;
                }

                public async Task<{{m.Entity}}Dto> CreateAsync({{m.Entity}}CreateRequest request, CancellationToken cancellationToken)
                {
                    var errors = {{m.Entity}}Validation.Validate(request).ToList();
                    if (errors.Count > 0)
                    {
                        throw new ArgumentException(string.Join(" ", errors), nameof(request));
                    }

                    var item = request.ToDto(_clock);
                    await _repository.UpsertAsync(item, cancellationToken);
                    return item;
                }

                public async Task<decimal> AverageAmountAsync(CancellationToken cancellationToken)
                {
                    var page = await _repository.ListAsync(0, {{100 + m.Salt}}, cancellationToken);
                    return page.Items.Count == 0 ? 0m : page.Items.Average(item => item.Amount);
                }
            }
            """;
    }

    private static string Controller(Module m)
    {
        var proxy = m.Has("LEAK001")
            ? """
                    var response = await factory.CreateClient("upstream").GetAsync($"status/{id}", cancellationToken);
                    return response.IsSuccessStatusCode ? Ok() : StatusCode((int)response.StatusCode);
            """
            : """
                    using var response = await factory.CreateClient("upstream").GetAsync($"status/{id}", cancellationToken);
                    return response.IsSuccessStatusCode ? Ok() : StatusCode((int)response.StatusCode);
            """;
        return $$"""
            using Microsoft.AspNetCore.Mvc;

            namespace {{m.Namespace}};

            [ApiController]
            [Route("api/{{m.Route}}")]
            public sealed class {{m.Entity}}Controller : ControllerBase
            {
                private readonly {{m.Entity}}Service _service;

                public {{m.Entity}}Controller({{m.Entity}}Service service) => _service = service;

                [HttpGet("{id:guid}")]
                public async Task<ActionResult<{{m.Entity}}Dto>> Get(Guid id, CancellationToken cancellationToken)
                {
                    var items = await _service.GetManyAsync(new[] { id }, cancellationToken);
                    return items.Count == 0 ? NotFound() : Ok(items[0]);
                }

                [HttpPost]
                public async Task<ActionResult<{{m.Entity}}Dto>> Create([FromBody] {{m.Entity}}CreateRequest request, CancellationToken cancellationToken)
                {
                    try
                    {
                        var created = await _service.CreateAsync(request, cancellationToken);
                        return CreatedAtAction(nameof(Get), new { id = created.Id }, created);
                    }
                    catch (ArgumentException ex)
                    {
                        return ValidationProblem(ex.Message);
                    }
                }

                [HttpGet("average")]
                public async Task<ActionResult<decimal>> Average(CancellationToken cancellationToken) =>
                    Ok(await _service.AverageAmountAsync(cancellationToken));

                [HttpGet("{id:guid}/upstream")]
                public async Task<IActionResult> Upstream(Guid id, [FromServices] IHttpClientFactory factory, CancellationToken cancellationToken)
                {
            {{proxy}}
                }
            }
            """;
    }

    private static string Endpoints(Module m) => $$"""
        namespace {{m.Namespace}};

        public static class {{m.Entity}}Endpoints
        {
            public static IEndpointRouteBuilder Map{{m.Entity}}Endpoints(this IEndpointRouteBuilder app)
            {
                var group = app.MapGroup("/{{m.Route}}");
                group.MapGet("/", async (I{{m.Entity}}Repository repository, int? skip, int? take, CancellationToken cancellationToken) =>
                    Results.Ok(await repository.ListAsync(skip ?? 0, Math.Clamp(take ?? 50, 1, 500), cancellationToken)));
                group.MapGet("/{id:guid}", async (Guid id, I{{m.Entity}}Repository repository, CancellationToken cancellationToken) =>
                    await repository.FindAsync(id, cancellationToken) is { } item ? Results.Ok(item) : Results.NotFound());
                group.MapDelete("/{id:guid}", async (Guid id, I{{m.Entity}}Repository repository, CancellationToken cancellationToken) =>
                    await repository.DeleteAsync(id, cancellationToken) ? Results.NoContent() : Results.NotFound());
                group.MapPost("/search", async (HttpContext context, I{{m.Entity}}Repository repository) =>
                {
                    var terms = context.Request.Query["q"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var page = await repository.ListAsync(0, 500, context.RequestAborted);
                    var hits = page.Items
                        .Where(item => terms.All(term => item.Name.Contains(term, StringComparison.OrdinalIgnoreCase) || item.Tags.Contains(term)))
                        .Select(item => new { item.Id, item.Name, Score = terms.Count(term => item.Name.StartsWith(term, StringComparison.OrdinalIgnoreCase)) })
                        .OrderByDescending(hit => hit.Score)
                        .Take(20);
                    return Results.Ok(hits);
                });
                return app;
            }
        }
        """;

    private static string Worker(Module m)
    {
        var probe = m.Has("LEAK003")
            ? """
                    var tcp = new System.Net.Sockets.TcpClient();
                    await tcp.ConnectAsync(host, port, cancellationToken);
                    return tcp.Connected;
            """
            : """
                    using var tcp = new System.Net.Sockets.TcpClient();
                    await tcp.ConnectAsync(host, port, cancellationToken);
                    return tcp.Connected;
            """;
        var round = m.Has("LEAK008")
            ? """
                        var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            """
            : """
                        using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            """;
        return $$"""
            namespace {{m.Namespace}};

            public sealed class {{m.Entity}}SyncWorker : BackgroundService
            {
                private readonly IServiceScopeFactory _scopes;
                private readonly ILogger<{{m.Entity}}SyncWorker> _logger;

                public {{m.Entity}}SyncWorker(IServiceScopeFactory scopes, ILogger<{{m.Entity}}SyncWorker> logger)
                {
                    _scopes = scopes;
                    _logger = logger;
                }

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    using var timer = new PeriodicTimer(TimeSpan.FromSeconds({{10 + m.Salt % 50}}));
                    while (await timer.WaitForNextTickAsync(stoppingToken))
                    {
            {{round}}
                        round.CancelAfter(TimeSpan.FromMinutes(1));
                        try
                        {
                            await using var scope = _scopes.CreateAsyncScope();
                            var service = scope.ServiceProvider.GetRequiredService<{{m.Entity}}Service>();
                            var count = await service.SyncAsync({{50 + m.Salt % 200}}, round.Token);
                            _logger.LogInformation("{{m.Entity}} sync finished with {Count} items", count);
                        }
                        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                        {
                            _logger.LogWarning("{{m.Entity}} sync timed out");
                        }
                        catch (HttpRequestException ex)
                        {
                            _logger.LogError(ex, "{{m.Entity}} sync failed");
                        }
                    }
                }

                public static async Task<bool> ProbeAsync(string host, int port, CancellationToken cancellationToken)
                {
            {{probe}}
                }
            }
            """;
    }

    private static string Report(Module m)
    {
        var key = m.Has("LEAK007") ? "HttpContext" : "string";
        var keyOf = m.Has("LEAK007") ? "context" : "context.TraceIdentifier";
        var tracking = $$"""
                private static readonly Dictionary<{{key}}, System.Diagnostics.Stopwatch> Started = new();

                public static void Begin(HttpContext context) => Started[{{keyOf}}] = System.Diagnostics.Stopwatch.StartNew();

                public static TimeSpan End(HttpContext context)
                {
                    if (!Started.TryGetValue({{keyOf}}, out var timer))
                    {
                        return TimeSpan.Zero;
                    }

                    Started.Remove({{keyOf}});
                    return timer.Elapsed;
                }
            """;
        return $$"""
            using System.Text;

            namespace {{m.Namespace}};

            public sealed class {{m.Entity}}ReportBuilder
            {
                private readonly I{{m.Entity}}Repository _repository;

                public {{m.Entity}}ReportBuilder(I{{m.Entity}}Repository repository) => _repository = repository;

            {{tracking}}

                public async Task<string> BuildCsvAsync(DateTimeOffset since, CancellationToken cancellationToken)
                {
                    var page = await _repository.ListAsync(0, 10_000, cancellationToken);
                    var rows = page.Items
                        .Where(item => item.CreatedAt >= since)
                        .GroupBy(item => (item.Status, Month: new DateTime(item.CreatedAt.Year, item.CreatedAt.Month, 1)))
                        .Select(group => new
                        {
                            group.Key.Status,
                            group.Key.Month,
                            Count = group.Count(),
                            Total = group.Sum(item => item.Amount),
                            TopTags = group.SelectMany(item => item.Tags).GroupBy(tag => tag).OrderByDescending(tags => tags.Count()).Take(3).Select(tags => tags.Key),
                        })
                        .OrderBy(row => row.Month)
                        .ThenBy(row => row.Status);

                    var builder = new StringBuilder("status,month,count,total,tags").AppendLine();
                    foreach (var row in rows)
                    {
                        builder.Append(row.Status).Append(',')
                            .Append(row.Month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                            .Append(row.Count).Append(',')
                            .Append(row.Total.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                            .AppendJoin(' ', row.TopTags)
                            .AppendLine();
                    }

                    return builder.ToString();
                }

                public async Task WriteAsync(Stream destination, DateTimeOffset since, CancellationToken cancellationToken)
                {
                    var csv = await BuildCsvAsync(since, cancellationToken);
                    await using var writer = new StreamWriter(destination, Encoding.UTF8, bufferSize: 4096, leaveOpen: true);
                    await writer.WriteAsync(csv.AsMemory(), cancellationToken);
                }
            }
            """;
    }
}
