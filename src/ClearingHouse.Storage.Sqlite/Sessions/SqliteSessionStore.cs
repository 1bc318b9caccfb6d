using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Sessions;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;

namespace ClearingHouse.Storage.Sqlite.Sessions;

/// <summary>
/// Sessions in the Embedded profile's SQLite file: table <c>sessions</c> keyed by (cpo, id), the session
/// in Orleans' binary form (version-tolerant through its [Id]s) beside the columns the lists need.
/// Every write gets the next change sequence; the process's single writer makes sequences commit in order.
/// </summary>
public sealed class SqliteSessionStore(SqliteConnectionFactory connections, Serializer<SessionRecord> serializer) : ISessionStore
{
    private const string Columns = "seq, body";

    /// <inheritdoc />
    public async Task<SessionRecord?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM sessions WHERE cpo = $cpo AND id = $id", c =>
        {
            c.Parameters.AddWithValue("$cpo", cpo.ToString());
            c.Parameters.AddWithValue("$id", id);
        }, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public async Task<long> SaveAsync(SessionRecord session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var body = serializer.SerializeToArray(session with { Sequence = 0 });
        return await connections.ExecuteWriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO sessions (cpo, id, emsp, status, last_updated, received_at, seq, body)
                VALUES ($cpo, $id, $emsp, $status, $last_updated, $received_at, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sessions), $body)
                ON CONFLICT (cpo, id) DO UPDATE SET
                    emsp = excluded.emsp, status = excluded.status, last_updated = excluded.last_updated,
                    received_at = excluded.received_at, seq = excluded.seq, body = excluded.body
                RETURNING seq
                """;
            command.Parameters.AddWithValue("$cpo", session.Cpo.ToString());
            command.Parameters.AddWithValue("$id", session.Id);
            command.Parameters.AddWithValue("$emsp", session.Emsp.ToString());
            command.Parameters.AddWithValue("$status", (int)session.Status);
            command.Parameters.AddWithValue("$last_updated", session.LastUpdated.UtcTicks);
            command.Parameters.AddWithValue("$received_at", session.ReceivedAt.UtcTicks);
            command.Parameters.AddWithValue("$body", body);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionRecord>> ListAsync(PartyKey emsp, DateTimeOffset? updatedSince, SessionPosition? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM sessions
            WHERE emsp = $emsp AND last_updated >= $since AND (last_updated, cpo, id) > ($at, $cpo, $id)
            ORDER BY last_updated, cpo, id LIMIT $limit
            """, c =>
        {
            c.Parameters.AddWithValue("$emsp", emsp.ToString());
            c.Parameters.AddWithValue("$since", updatedSince?.UtcTicks ?? long.MinValue);
            c.Parameters.AddWithValue("$at", after?.At.UtcTicks ?? long.MinValue);
            c.Parameters.AddWithValue("$cpo", after?.Cpo ?? "");
            c.Parameters.AddWithValue("$id", after?.Id ?? "");
            c.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<long> CountAsync(PartyKey emsp, DateTimeOffset? updatedSince, DateTimeOffset? updatedBefore, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sessions WHERE emsp = $emsp AND last_updated >= $since AND last_updated < $before";
        command.Parameters.AddWithValue("$emsp", emsp.ToString());
        command.Parameters.AddWithValue("$since", updatedSince?.UtcTicks ?? long.MinValue);
        command.Parameters.AddWithValue("$before", updatedBefore?.UtcTicks ?? long.MaxValue);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionRecord>> ChangesAsync(PartyKey emsp, long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM sessions WHERE emsp = $emsp AND seq > $after ORDER BY seq LIMIT $limit", c =>
        {
            c.Parameters.AddWithValue("$emsp", emsp.ToString());
            c.Parameters.AddWithValue("$after", afterSequence);
            c.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<long> LastSequenceAsync(PartyKey emsp, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM sessions WHERE emsp = $emsp";
        command.Parameters.AddWithValue("$emsp", emsp.ToString());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionRecord>> ListSilentAsync(DateTimeOffset receivedBefore, SessionPosition? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM sessions
            WHERE status IN (1, 4) AND received_at < $before AND (received_at, cpo, id) > ($at, $cpo, $id)
            ORDER BY received_at, cpo, id LIMIT $limit
            """, c =>
        {
            c.Parameters.AddWithValue("$before", receivedBefore.UtcTicks);
            c.Parameters.AddWithValue("$at", after?.At.UtcTicks ?? long.MinValue);
            c.Parameters.AddWithValue("$cpo", after?.Cpo ?? "");
            c.Parameters.AddWithValue("$id", after?.Id ?? "");
            c.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    private async Task<IReadOnlyList<SessionRecord>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SessionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var body = (byte[])reader.GetValue(1);
            rows.Add((serializer.Deserialize(body) ?? throw new InvalidDataException("empty session row")) with { Sequence = reader.GetInt64(0) });
        }

        return rows;
    }

}
