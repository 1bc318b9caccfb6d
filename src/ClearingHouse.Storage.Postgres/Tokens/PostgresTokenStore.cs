using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;
using Npgsql;
using NpgsqlTypes;

namespace ClearingHouse.Storage.Postgres.Tokens;

/// <summary>
/// Tokens and authorization records in the Cluster profile's PostgreSQL database: table <c>tokens</c>
/// keyed by (type, uid) with the owning EMSP, table <c>authorizations</c> keyed by reference, and beside it
/// <c>authorization_fallbacks</c>, the provisional records written while an EMSP is asked.
/// Batches go in with binary COPY into a session-local staging table, then one
/// <c>INSERT ... ON CONFLICT</c> that replaces a row only for its own EMSP.
/// </summary>
public sealed class PostgresTokenStore(PostgresConnectionFactory connections) : ITokenStore, IAuthorizationStore
{
    private const string AuthorizationColumns = "reference, cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at";

    // The final record first; a provisional one only when there is none.
    private const string SelectAuthorization = """
        SELECT cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at, false AS provisional FROM authorizations WHERE reference = $1
        UNION ALL
        SELECT cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at, true FROM authorization_fallbacks WHERE reference = $1
        ORDER BY provisional LIMIT 1
        """;

    private const string Columns = "type, uid, owner, contract_id, visual_number, issuer, group_id, valid, whitelist, language, default_profile_type, energy_supplier_name, energy_contract_id, last_updated";

    /// <inheritdoc />
    public async Task<TokenRecord?> GetAsync(TokenType type, string uid, CancellationToken cancellationToken = default)
    {
        await using var command = connections.DataSource.CreateCommand(
            "SELECT owner, contract_id, visual_number, issuer, group_id, valid, whitelist, language, default_profile_type, energy_supplier_name, energy_contract_id, last_updated FROM tokens WHERE type = $1 AND uid = $2");
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)type });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = uid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new TokenRecord
        {
            Owner = ParseParty(reader.GetString(0)),
            Uid = uid,
            Type = type,
            ContractId = reader.GetString(1),
            VisualNumber = reader.IsDBNull(2) ? null : reader.GetString(2),
            Issuer = reader.GetString(3),
            GroupId = reader.IsDBNull(4) ? null : reader.GetString(4),
            Valid = reader.GetBoolean(5),
            Whitelist = (WhitelistType)reader.GetInt16(6),
            Language = reader.IsDBNull(7) ? null : reader.GetString(7),
            DefaultProfileType = reader.IsDBNull(8) ? null : (ProfileType)reader.GetInt16(8),
            EnergySupplierName = reader.IsDBNull(9) ? null : reader.GetString(9),
            EnergyContractId = reader.IsDBNull(10) ? null : reader.GetString(10),
            LastUpdated = reader.GetFieldValue<DateTimeOffset>(11),
        };
    }

    /// <inheritdoc />
    public async Task<TokenWriteResult> UpsertAsync(IReadOnlyList<TokenRecord> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            return new TokenWriteResult(0, []);
        }

        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var stage = new NpgsqlCommand("CREATE TEMP TABLE IF NOT EXISTS tokens_stage (LIKE tokens) ON COMMIT DELETE ROWS", connection, transaction))
        {
            await stage.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync($"COPY tokens_stage ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var t in tokens)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync((short)t.Type, NpgsqlDbType.Smallint, cancellationToken);
                await writer.WriteAsync(t.Uid, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(t.Owner.ToString(), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(t.ContractId, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, t.VisualNumber, cancellationToken);
                await writer.WriteAsync(t.Issuer, NpgsqlDbType.Text, cancellationToken);
                await WriteNullableAsync(writer, t.GroupId, cancellationToken);
                await writer.WriteAsync(t.Valid, NpgsqlDbType.Boolean, cancellationToken);
                await writer.WriteAsync((short)t.Whitelist, NpgsqlDbType.Smallint, cancellationToken);
                await WriteNullableAsync(writer, t.Language, cancellationToken);
                if (t.DefaultProfileType is { } profile)
                {
                    await writer.WriteAsync((short)profile, NpgsqlDbType.Smallint, cancellationToken);
                }
                else
                {
                    await writer.WriteNullAsync(cancellationToken);
                }

                await WriteNullableAsync(writer, t.EnergySupplierName, cancellationToken);
                await WriteNullableAsync(writer, t.EnergyContractId, cancellationToken);
                await writer.WriteAsync(t.LastUpdated.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        // A row is replaced only for its own EMSP; RETURNING names the rows written, the rest conflict.
        var written = new HashSet<(TokenType, string)>();
        await using (var merge = new NpgsqlCommand($"""
            INSERT INTO tokens ({Columns}) SELECT {Columns} FROM tokens_stage
            ON CONFLICT (type, uid) DO UPDATE SET
                contract_id = EXCLUDED.contract_id, visual_number = EXCLUDED.visual_number, issuer = EXCLUDED.issuer,
                group_id = EXCLUDED.group_id, valid = EXCLUDED.valid, whitelist = EXCLUDED.whitelist,
                language = EXCLUDED.language, default_profile_type = EXCLUDED.default_profile_type,
                energy_supplier_name = EXCLUDED.energy_supplier_name, energy_contract_id = EXCLUDED.energy_contract_id,
                last_updated = EXCLUDED.last_updated
            WHERE tokens.owner = EXCLUDED.owner
            RETURNING type, uid
            """, connection, transaction))
        await using (var reader = await merge.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                written.Add(((TokenType)reader.GetInt16(0), reader.GetString(1)));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        var conflicts = written.Count == tokens.Count
            ? []
            : tokens.Where(t => !written.Contains((t.Type, t.Uid))).Select(t => (t.Type, t.Uid)).ToList();
        return new TokenWriteResult(written.Count, conflicts);
    }

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<AuthorizationRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        var finals = 0;
        for (var i = 0; i < records.Count; i++)
        {
            finals += records[i].Provisional ? 0 : 1;
        }

        if (finals == records.Count || finals == 0)
        {
            // One kind: one COPY, atomic on its own.
            await CopyAuthorizationsAsync(connection, records, provisional: finals == 0, cancellationToken);
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await CopyAuthorizationsAsync(connection, records, provisional: false, cancellationToken);
        await CopyAuthorizationsAsync(connection, records, provisional: true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<AuthorizationRecord?> GetAsync(string reference, CancellationToken cancellationToken = default)
    {
        await using var command = connections.DataSource.CreateCommand(SelectAuthorization);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reference });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new AuthorizationRecord
        {
            Reference = reference,
            Cpo = ParseParty(reader.GetString(0)),
            Emsp = reader.IsDBNull(1) ? null : ParseParty(reader.GetString(1)),
            Type = (TokenType)reader.GetInt16(2),
            Uid = reader.GetString(3),
            LocationId = reader.IsDBNull(4) ? null : reader.GetString(4),
            EvseUids = reader.GetFieldValue<string[]>(5),
            Allowed = (AllowedType)reader.GetInt16(6),
            Source = (DecisionSource)reader.GetInt16(7),
            DecidedAt = reader.GetFieldValue<DateTimeOffset>(8),
            Provisional = reader.GetBoolean(9),
        };
    }

    // The records of one kind (final or provisional) into that kind's table.
    private static async Task CopyAuthorizationsAsync(NpgsqlConnection connection, IReadOnlyList<AuthorizationRecord> records, bool provisional, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {(provisional ? "authorization_fallbacks" : "authorizations")} ({AuthorizationColumns}) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (r.Provisional != provisional)
            {
                continue;
            }

            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(r.Reference, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(r.Cpo.ToString(), NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(writer, r.Emsp?.ToString(), cancellationToken);
            await writer.WriteAsync((short)r.Type, NpgsqlDbType.Smallint, cancellationToken);
            await writer.WriteAsync(r.Uid, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(writer, r.LocationId, cancellationToken);
            await writer.WriteAsync(r.EvseUids.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync((short)r.Allowed, NpgsqlDbType.Smallint, cancellationToken);
            await writer.WriteAsync((short)r.Source, NpgsqlDbType.Smallint, cancellationToken);
            await writer.WriteAsync(r.DecidedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await writer.WriteNullAsync(cancellationToken);
        }
        else
        {
            await writer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
        }
    }

    private static PartyKey ParseParty(string text) =>
        PartyKey.TryParse(text, out var key) ? key.Value : throw new InvalidDataException($"bad party key '{text}' in the tokens store");

}
