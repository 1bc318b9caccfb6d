using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Sessions;
using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization;

namespace ClearingHouse.Storage.Postgres.Sessions;

/// <summary>
/// Sessions in the Cluster profile's PostgreSQL database: table <c>sessions</c> keyed by (cpo, id), the
/// session in Orleans' binary form beside the columns the lists need. Each write takes the next value
/// of <c>sessions_seq</c> under a transaction-scoped advisory lock on the EMSP, so one EMSP's
/// sequences commit in increasing order and a subscriber resuming after a sequence never skips a
/// change that committed late (writes for different EMSPs do not wait for each other).
/// </summary>
public sealed class PostgresSessionStore(PostgresConnectionFactory connections, Serializer<SessionRecord> serializer) : ISessionStore
{
    /// <inheritdoc />
    public async Task<SessionRecord?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT seq, body FROM sessions WHERE cpo = $1 AND id = $2", [cpo.ToString(), id], cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public async Task<long> SaveAsync(SessionRecord session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var body = serializer.SerializeToArray(session with { Sequence = 0 });
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext($1))", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.Emsp.ToString() });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        long sequence;
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO sessions (cpo, id, emsp, status, last_updated, received_at, seq, body)
            VALUES ($1, $2, $3, $4, $5, $6, nextval('sessions_seq'), $7)
            ON CONFLICT (cpo, id) DO UPDATE SET
                emsp = EXCLUDED.emsp, status = EXCLUDED.status, last_updated = EXCLUDED.last_updated,
                received_at = EXCLUDED.received_at, seq = EXCLUDED.seq, body = EXCLUDED.body
            RETURNING seq
            """, connection, transaction))
        {
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.Cpo.ToString() });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.Id });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.Emsp.ToString() });
            upsert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)session.Status });
            upsert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = session.LastUpdated.ToUniversalTime() });
            upsert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = session.ReceivedAt.ToUniversalTime() });
            upsert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = body, NpgsqlDbType = NpgsqlDbType.Bytea });
            sequence = (long)(await upsert.ExecuteScalarAsync(cancellationToken))!;
        }

        await transaction.CommitAsync(cancellationToken);
        return sequence;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionRecord>> ListAsync(PartyKey emsp, DateTimeOffset? updatedSince, SessionPosition? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("""
            SELECT seq, body FROM sessions
            WHERE emsp = $1 AND last_updated >= $2 AND (last_updated, cpo, id) > ($3, $4, $5)
            ORDER BY last_updated, cpo, id LIMIT $6
            """,
            [emsp.ToString(), (updatedSince ?? DateTimeOffset.MinValue).ToUniversalTime(), (after?.At ?? DateTimeOffset.MinValue).ToUniversalTime(), after?.Cpo ?? "", after?.Id ?? "", limit],
            cancellationToken);

    /// <inheritdoc />
    public async Task<long> CountAsync(PartyKey emsp, DateTimeOffset? updatedSince, DateTimeOffset? updatedBefore, CancellationToken cancellationToken = default)
    {
        await using var command = connections.DataSource.CreateCommand("SELECT COUNT(*) FROM sessions WHERE emsp = $1 AND last_updated >= $2 AND last_updated < $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = emsp.ToString() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (updatedSince ?? DateTimeOffset.MinValue).ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (updatedBefore ?? DateTimeOffset.MaxValue).ToUniversalTime() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionRecord>> ChangesAsync(PartyKey emsp, long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT seq, body FROM sessions WHERE emsp = $1 AND seq > $2 ORDER BY seq LIMIT $3", [emsp.ToString(), afterSequence, limit], cancellationToken);

    /// <inheritdoc />
    public async Task<long> LastSequenceAsync(PartyKey emsp, CancellationToken cancellationToken = default)
    {
        await using var command = connections.DataSource.CreateCommand("SELECT COALESCE(MAX(seq), 0) FROM sessions WHERE emsp = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = emsp.ToString() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionRecord>> ListSilentAsync(DateTimeOffset receivedBefore, SessionPosition? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("""
            SELECT seq, body FROM sessions
            WHERE status IN (1, 4) AND received_at < $1 AND (received_at, cpo, id) > ($2, $3, $4)
            ORDER BY received_at, cpo, id LIMIT $5
            """,
            [receivedBefore.ToUniversalTime(), (after?.At ?? DateTimeOffset.MinValue).ToUniversalTime(), after?.Cpo ?? "", after?.Id ?? "", limit],
            cancellationToken);

    private async Task<IReadOnlyList<SessionRecord>> QueryAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = connections.DataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SessionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((serializer.Deserialize(reader.GetFieldValue<byte[]>(1)) ?? throw new InvalidDataException("empty session row")) with { Sequence = reader.GetInt64(0) });
        }

        return rows;
    }

}
