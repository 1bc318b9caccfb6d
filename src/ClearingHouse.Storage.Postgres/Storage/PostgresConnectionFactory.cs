using Microsoft.Extensions.Options;
using Npgsql;

namespace ClearingHouse.Storage.Postgres;

/// <summary>
/// Owns the one <see cref="NpgsqlDataSource"/> (and so the one connection pool) of the ClearingHouse
/// PostgreSQL database. Register it once (a singleton) and share it between every store that keeps
/// tables there (grain state, CDRs).
/// </summary>
public sealed class PostgresConnectionFactory : IAsyncDisposable, IDisposable
{
    /// <summary>Builds the data source from validated options.</summary>
    public PostgresConnectionFactory(IOptions<PostgresStorageOptions> options)
    {
        var builder = new NpgsqlDataSourceBuilder(options.Value.ConnectionString);
        // The application name shows in pg_stat_activity and the server log, where an operator
        // looks first when the database is busy.
        builder.ConnectionStringBuilder.ApplicationName ??= "ClearingHouse";
        DataSource = builder.Build();
    }

    /// <summary>The shared data source; use it for commands, batches and binary COPY.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Opens a pooled connection.</summary>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        DataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => DataSource.Dispose();
}
