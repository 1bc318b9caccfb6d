using System.Data.Common;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Storage.Relational.Tariffs;

/// <summary>
/// <see cref="ITariffHistoryStore"/> over ADO.NET, the same SQL for SQLite and PostgreSQL (<c>ON CONFLICT .. DO UPDATE</c>
/// is understood by both). Instants are UTC ticks. A backend supplies its connections and how writes are run; its
/// migration step creates <c>tariff_versions</c>.
/// </summary>
public abstract class RelationalTariffHistoryStore : ITariffHistoryStore
{
    private const string Columns = "tariff_id, last_updated, currency, ocpi_json";

    /// <summary>Opens a connection for reads.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs a write on a connection, serialized as the backend requires.</summary>
    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken);

    /// <inheritdoc />
    public Task RecordAsync(PartyKey cpo, TariffRecord version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        return WriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.Command(
                    "INSERT INTO tariff_versions (cpo, tariff_id, last_updated, currency, ocpi_json, recorded_at) VALUES (@cpo, @id, @at, @cur, @json, @now) " +
                    "ON CONFLICT (cpo, tariff_id, last_updated) DO UPDATE SET currency = excluded.currency, ocpi_json = excluded.ocpi_json, recorded_at = excluded.recorded_at");
                command.Add("@cpo", cpo.ToString());
                command.Add("@id", version.Id);
                command.Add("@at", version.LastUpdated.UtcTicks);
                command.Add("@cur", version.Currency);
                command.Add("@json", version.OcpiJson);
                command.Add("@now", DateTimeOffset.UtcNow.UtcTicks);
                return await command.ExecuteNonQueryAsync(ct);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TariffRecord>> ListAsync(PartyKey cpo, string tariffId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {Columns} FROM tariff_versions WHERE cpo = @cpo AND tariff_id = @id ORDER BY last_updated");
        command.Add("@cpo", cpo.ToString());
        command.Add("@id", tariffId);
        return await ReadAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<TariffRecord?> GetAsOfAsync(PartyKey cpo, string tariffId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {Columns} FROM tariff_versions WHERE cpo = @cpo AND tariff_id = @id AND last_updated <= @at ORDER BY last_updated DESC LIMIT 1");
        command.Add("@cpo", cpo.ToString());
        command.Add("@id", tariffId);
        command.Add("@at", at.UtcTicks);
        var found = await ReadAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public Task<int> PruneAsync(PartyKey cpo, string tariffId, DateTimeOffset horizon, CancellationToken cancellationToken = default) =>
        WriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.Command(
                    "DELETE FROM tariff_versions WHERE cpo = @cpo AND tariff_id = @id AND last_updated < " +
                    "(SELECT max(last_updated) FROM tariff_versions WHERE cpo = @cpo AND tariff_id = @id AND last_updated <= @horizon)");
                command.Add("@cpo", cpo.ToString());
                command.Add("@id", tariffId);
                command.Add("@horizon", horizon.UtcTicks);
                return await command.ExecuteNonQueryAsync(ct);
            },
            cancellationToken);

    private static async Task<IReadOnlyList<TariffRecord>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<TariffRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new TariffRecord
            {
                Id = reader.GetString(0),
                LastUpdated = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
                Currency = reader.GetString(2),
                OcpiJson = reader.GetString(3),
            });
        }

        return list;
    }
}
