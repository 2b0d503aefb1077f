using System.Data;
using Npgsql;

namespace Corpus.Data;

/// <summary>Reporting queries against the read replica.</summary>
public sealed class ReportingRepository
{
    private readonly string _connectionString;
    private readonly NpgsqlDataSource _dataSource;

    public ReportingRepository(IConfiguration configuration, NpgsqlDataSource dataSource)
    {
        _connectionString = configuration.GetConnectionString("replica")!;
        _dataSource = dataSource;
    }

    public async Task<decimal> RevenueAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = new NpgsqlCommand("select coalesce(sum(total), 0) from orders where created_on = @day", connection);
        command.Parameters.AddWithValue("day", day);
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return (decimal)result!;
    }

    public int CountOpenOrders()
    {
        NpgsqlConnection connection = _dataSource.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "select count(*) from orders where status = 'open'";
        return Convert.ToInt32(command.ExecuteScalar());
    }

    public async Task<IReadOnlyList<string>> TopCustomersAsync(int take)
    {
        var connection = await _dataSource.OpenConnectionAsync();
        if (connection.State != ConnectionState.Open)
        {
            return Array.Empty<string>();
        }

        var names = new List<string>();
        await using (var command = new NpgsqlCommand($"select name from customers order by lifetime_value desc limit {take}", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        await connection.CloseAsync();
        return names;
    }

    public async Task<long[]> CountsPerRegionAsync(string[] regions) =>
        await Task.WhenAll(regions.Select(async region =>
        {
            var connection = _dataSource.CreateConnection();
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select count(*) from orders where region = @r", connection);
            command.Parameters.AddWithValue("r", region);
            return (long)(await command.ExecuteScalarAsync())!;
        }));

    public async Task<int> ExecuteWithFailoverAsync(string sql, string[] hosts)
    {
        NpgsqlConnection? connection = null;
        foreach (var host in hosts)
        {
            try
            {
                connection = new NpgsqlConnection($"Host={host};Database=orders");
                await connection.OpenAsync();
                break;
            }
            catch (NpgsqlException)
            {
                connection = null;
            }
        }

        if (connection is null)
        {
            throw new InvalidOperationException("no replica reachable");
        }

        await using var command = new NpgsqlCommand(sql, connection);
        var rows = await command.ExecuteNonQueryAsync();
        await connection.DisposeAsync();
        return rows;
    }
}
