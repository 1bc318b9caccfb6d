using System.Data.Common;
using System.Text;
using ClearingHouse.Grains.Operations;

namespace ClearingHouse.Storage.Relational.Operations;

/// <summary>
/// <see cref="IAuditStore"/> over ADO.NET, the same SQL for SQLite and PostgreSQL, on the <c>audit_log</c> table each
/// backend's migration step creates. Pages are keyset pages on the sequence, newest first; only the filters a query
/// sets become conditions (PostgreSQL cannot type a NULL parameter compared with nothing).
/// </summary>
public abstract class RelationalAuditStore : IAuditStore
{
    /// <summary>Opens a connection for reads.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs a write on a connection, serialized as the backend requires.</summary>
    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await WriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.Command("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (@at, @actor, @action, @target, @detail)");
                command.Add("@at", entry.At.UtcTicks);
                command.Add("@actor", entry.Actor);
                command.Add("@action", entry.Action);
                command.Add("@target", entry.Target);
                command.Add("@detail", entry.Detail);
                return await command.ExecuteNonQueryAsync(ct);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT seq, at, actor, action, target, detail FROM audit_log WHERE 1 = 1");
        if (query.BeforeSequence > 0)
        {
            sql.Append(" AND seq < @before");
            command.Add("@before", query.BeforeSequence);
        }

        // Prefixes compare with substr, not LIKE: ids may hold '_' and '%'.
        if (!string.IsNullOrEmpty(query.Action))
        {
            sql.Append(" AND (action = @action OR substr(action, 1, @actionLength) = @actionDot)");
            command.Add("@action", query.Action);
            command.Add("@actionLength", query.Action.Length + 1);
            command.Add("@actionDot", query.Action + ".");
        }

        if (!string.IsNullOrEmpty(query.Target))
        {
            sql.Append(" AND (target = @target OR substr(target, 1, @targetLength) IN (@targetSlash, @targetBar))");
            command.Add("@target", query.Target);
            command.Add("@targetLength", query.Target.Length + 1);
            command.Add("@targetSlash", query.Target + "/");
            command.Add("@targetBar", query.Target + "|");
        }

        if (!string.IsNullOrEmpty(query.Actor))
        {
            sql.Append(" AND substr(actor, 1, @actorLength) = @actor");
            command.Add("@actor", query.Actor);
            command.Add("@actorLength", query.Actor.Length);
        }

        if (query.From is { } from)
        {
            sql.Append(" AND at >= @from");
            command.Add("@from", from.UtcTicks);
        }

        if (query.Until is { } until)
        {
            sql.Append(" AND at < @until");
            command.Add("@until", until.UtcTicks);
        }

        sql.Append(" ORDER BY seq DESC LIMIT @limit");
        command.Add("@limit", query.Limit);
        command.CommandText = sql.ToString();
        var list = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new AuditEntry
            {
                Sequence = reader.GetInt64(0),
                At = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
                Actor = reader.GetString(2),
                Action = reader.GetString(3),
                Target = reader.GetString(4),
                Detail = reader.GetString(5),
            });
        }

        return list;
    }
}
