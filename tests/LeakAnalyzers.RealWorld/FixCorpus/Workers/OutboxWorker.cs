using System.Net.Http.Json;
using Npgsql;

namespace Corpus.Workers;

/// <summary>Publishes outbox rows to the event gateway every few seconds.</summary>
public sealed class OutboxWorker : BackgroundService
{
    private readonly IConfiguration _configuration;
    private readonly ILogger<OutboxWorker> _logger;
    private readonly ISearchIndexer _indexer;

    public OutboxWorker(IConfiguration configuration, ILogger<OutboxWorker> logger, ISearchIndexer indexer)
    {
        _configuration = configuration;
        _logger = logger;
        _indexer = indexer;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var connection = new NpgsqlConnection(_configuration.GetConnectionString("orders"));
            await connection.OpenAsync(stoppingToken);
            var batch = new List<(long Id, string Payload)>();
            await using (var command = new NpgsqlCommand("select id, payload from outbox where sent_at is null limit 100", connection))
            await using (var reader = await command.ExecuteReaderAsync(stoppingToken))
            {
                while (await reader.ReadAsync(stoppingToken))
                {
                    batch.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            using var http = new HttpClient();
            foreach (var (id, payload) in batch)
            {
                var response = await http.PostAsJsonAsync("https://events.internal/publish", payload, stoppingToken);
                if (!response.IsSuccessStatusCode)
                {
                    _logger.LogWarning("Outbox {Id} rejected: {Status}", id, response.StatusCode);
                    continue;
                }

                _ = _indexer.IndexAsync(id.ToString());
            }

            await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
        }
    }
}
