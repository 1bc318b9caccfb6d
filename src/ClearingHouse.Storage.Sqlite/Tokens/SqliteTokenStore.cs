using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;
using System.Buffers;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ClearingHouse.Storage.Sqlite.Tokens;

/// <summary>
/// Tokens and authorization records in the Embedded profile's SQLite file: table <c>tokens</c> keyed by
/// (type, uid) with the owning EMSP, table <c>authorizations</c> keyed by authorization_reference, and beside it
/// <c>authorization_fallbacks</c>, the provisional records written while an EMSP is asked.
/// A batch is one transaction (one fsync), which is what makes bulk uploads fast.
/// </summary>
public sealed class SqliteTokenStore(SqliteConnectionFactory connections) : ITokenStore, IAuthorizationStore, IDisposable
{
    // The journal's statements, prepared once on the factory's writer connection (it stays open between writes) and
    // prepared anew when the factory has replaced that connection. Used only under the factory's write gate; the lock
    // orders a write against Dispose at shutdown.
    private readonly Lock _journalLock = new();
    private JournalStatements? _journal;

    // Replaces the row only when the same EMSP owns it: another EMSP's token is never overwritten,
    // and the statement then changes no row, which is how a conflict is detected.
    private const string Upsert = """
        INSERT INTO tokens (type, uid, owner, contract_id, visual_number, issuer, group_id, valid, whitelist,
                            language, default_profile_type, energy_supplier_name, energy_contract_id, last_updated)
        VALUES ($type, $uid, $owner, $contract_id, $visual_number, $issuer, $group_id, $valid, $whitelist,
                $language, $default_profile_type, $energy_supplier_name, $energy_contract_id, $last_updated)
        ON CONFLICT (type, uid) DO UPDATE SET
            contract_id = excluded.contract_id, visual_number = excluded.visual_number, issuer = excluded.issuer,
            group_id = excluded.group_id, valid = excluded.valid, whitelist = excluded.whitelist,
            language = excluded.language, default_profile_type = excluded.default_profile_type,
            energy_supplier_name = excluded.energy_supplier_name, energy_contract_id = excluded.energy_contract_id,
            last_updated = excluded.last_updated
        WHERE tokens.owner = excluded.owner
        """;

    // UTF-8, as SQLite takes it (a string would be converted on every batch). The EVSE uids are bound as NULL
    // when there are none (see BindText) and stored as ''.
    private static ReadOnlySpan<byte> InsertAuthorization => """
        INSERT OR IGNORE INTO authorizations (reference, cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, ''), ?8, ?9, ?10)
        """u8;

    private static ReadOnlySpan<byte> InsertFallback => """
        INSERT OR IGNORE INTO authorization_fallbacks (reference, cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, ''), ?8, ?9, ?10)
        """u8;

    // The final record first; a provisional one only when there is none.
    private const string SelectAuthorization = """
        SELECT cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at, 0 AS provisional FROM authorizations WHERE reference = $reference
        UNION ALL
        SELECT cpo, emsp, type, uid, location_id, evse_uids, allowed, source, decided_at, 1 FROM authorization_fallbacks WHERE reference = $reference
        ORDER BY provisional LIMIT 1
        """;

    /// <inheritdoc />
    public async Task<TokenRecord?> GetAsync(TokenType type, string uid, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT owner, contract_id, visual_number, issuer, group_id, valid, whitelist, language,
                   default_profile_type, energy_supplier_name, energy_contract_id, last_updated
            FROM tokens WHERE type = $type AND uid = $uid
            """;
        command.Parameters.AddWithValue("$type", (int)type);
        command.Parameters.AddWithValue("$uid", uid);
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
            Valid = reader.GetInt64(5) != 0,
            Whitelist = (WhitelistType)reader.GetInt32(6),
            Language = reader.IsDBNull(7) ? null : reader.GetString(7),
            DefaultProfileType = reader.IsDBNull(8) ? null : (ProfileType)reader.GetInt32(8),
            EnergySupplierName = reader.IsDBNull(9) ? null : reader.GetString(9),
            EnergyContractId = reader.IsDBNull(10) ? null : reader.GetString(10),
            LastUpdated = new DateTimeOffset(reader.GetInt64(11), TimeSpan.Zero),
        };
    }

    /// <inheritdoc />
    public async Task<TokenWriteResult> UpsertAsync(IReadOnlyList<TokenRecord> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return await connections.ExecuteWriteAsync(async (connection, ct) =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Upsert;
            var p = new[]
            {
                "$type", "$uid", "$owner", "$contract_id", "$visual_number", "$issuer", "$group_id", "$valid", "$whitelist",
                "$language", "$default_profile_type", "$energy_supplier_name", "$energy_contract_id", "$last_updated",
            }.Select(name => command.Parameters.Add(name, SqliteType.Text)).ToArray();
            command.Prepare();
            var stored = 0;
            List<(TokenType, string)>? conflicts = null;
            foreach (var t in tokens)
            {
                p[0].Value = (int)t.Type;
                p[1].Value = t.Uid;
                p[2].Value = t.Owner.ToString();
                p[3].Value = t.ContractId;
                p[4].Value = (object?)t.VisualNumber ?? DBNull.Value;
                p[5].Value = t.Issuer;
                p[6].Value = (object?)t.GroupId ?? DBNull.Value;
                p[7].Value = t.Valid ? 1 : 0;
                p[8].Value = (int)t.Whitelist;
                p[9].Value = (object?)t.Language ?? DBNull.Value;
                p[10].Value = t.DefaultProfileType is { } profile ? (int)profile : DBNull.Value;
                p[11].Value = (object?)t.EnergySupplierName ?? DBNull.Value;
                p[12].Value = (object?)t.EnergyContractId ?? DBNull.Value;
                p[13].Value = t.LastUpdated.UtcTicks;
                if (await command.ExecuteNonQueryAsync(ct) == 1)
                {
                    stored++;
                }
                else
                {
                    (conflicts ??= []).Add((t.Type, t.Uid));
                }
            }

            await transaction.CommitAsync(ct);
            return new TokenWriteResult(stored, (IReadOnlyList<(TokenType, string)>?)conflicts ?? []);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<AuthorizationRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        await connections.ExecuteWriteAsync(
            (connection, _) =>
            {
                // BEGIN and COMMIT through SQLite's API too: Microsoft.Data.Sqlite runs each as a command (a
                // statement, a reader, an enumerator), and at a few decisions per batch that is per decision. All four
                // statements are prepared once per connection: compiling them (sqlite3_exec compiles its text every
                // time) cost more CPU than binding and stepping the few rows of a typical batch.
                var db = connection.Handle!;
                lock (_journalLock)
                {
                    ObjectDisposedException.ThrowIf(_journal is { Db: null }, this);
                    if (_journal?.Db != db)
                    {
                        _journal?.Dispose();
                        _journal = null;
                        _journal = JournalStatements.Prepare(db);
                    }

                    var statements = _journal;
                    Step(db, statements.Begin);
                    try
                    {
                        InsertAuthorizations(db, statements.InsertFinal, records, provisional: false);
                        InsertAuthorizations(db, statements.InsertFallback, records, provisional: true);
                        Step(db, statements.Commit);
                    }
                    catch
                    {
                        if (raw.sqlite3_get_autocommit(db) == 0)
                        {
                            raw.sqlite3_exec(db, "ROLLBACK");
                        }

                        throw;
                    }
                }

                return Task.FromResult(0);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<AuthorizationRecord?> GetAsync(string reference, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SelectAuthorization;
        command.Parameters.AddWithValue("$reference", reference);
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
            Type = (TokenType)reader.GetInt32(2),
            Uid = reader.GetString(3),
            LocationId = reader.IsDBNull(4) ? null : reader.GetString(4),
            EvseUids = reader.GetString(5).Split(' ', StringSplitOptions.RemoveEmptyEntries),
            Allowed = (AllowedType)reader.GetInt32(6),
            Source = (DecisionSource)reader.GetInt32(7),
            DecidedAt = new DateTimeOffset(reader.GetInt64(8), TimeSpan.Zero),
            Provisional = reader.GetInt32(9) != 0,
        };
    }

    // The authorization journal's rows, written through SQLite's own API so that a row costs nothing on the
    // managed heap: one statement per batch; text bound straight from the strings (UTF-16, which SQLite converts
    // in native memory), numbers as numbers. Microsoft.Data.Sqlite's ExecuteNonQuery allocated ~1.2 KB per row
    // here: a parameter binder per value, a data reader and a statement enumerator per execution. Synchronous on
    // purpose (Microsoft.Data.Sqlite's async methods run synchronously anyway). Runs inside the caller's transaction.
    // Writes the records of one kind (final or provisional) to that kind's table; none of that kind, no statement.
    private static void InsertAuthorizations(sqlite3 db, sqlite3_stmt statement, IReadOnlyList<AuthorizationRecord> records, bool provisional)
    {
        var any = false;
        foreach (var r in records)
        {
            any |= r.Provisional == provisional;
        }

        if (!any)
        {
            return;
        }

        char[]? evseText = null;
        try
        {
            // The parties' text once per batch (most rows of a batch share them).
            string? cpoText = null;
            string? emspText = null;
            PartyKey lastCpo = default;
            PartyKey lastEmsp = default;
            foreach (var r in records)
            {
                if (r.Provisional != provisional)
                {
                    continue;
                }

                if (cpoText is null || r.Cpo != lastCpo)
                {
                    (lastCpo, cpoText) = (r.Cpo, r.Cpo.ToString());
                }

                BindText(db, statement, 1, r.Reference);
                BindText(db, statement, 2, cpoText);
                if (r.Emsp is { } emsp)
                {
                    if (emspText is null || emsp != lastEmsp)
                    {
                        (lastEmsp, emspText) = (emsp, emsp.ToString());
                    }

                    BindText(db, statement, 3, emspText);
                }
                else
                {
                    Check(db, raw.sqlite3_bind_null(statement, 3));
                }

                Check(db, raw.sqlite3_bind_int(statement, 4, (int)r.Type));
                BindText(db, statement, 5, r.Uid);
                if (r.LocationId is { } location)
                {
                    BindText(db, statement, 6, location);
                }
                else
                {
                    Check(db, raw.sqlite3_bind_null(statement, 6));
                }

                BindText(db, statement, 7, JoinEvseUids(r.EvseUids, ref evseText));
                Check(db, raw.sqlite3_bind_int(statement, 8, (int)r.Allowed));
                Check(db, raw.sqlite3_bind_int(statement, 9, (int)r.Source));
                Check(db, raw.sqlite3_bind_int64(statement, 10, r.DecidedAt.UtcTicks));
                Step(db, statement);
            }
        }
        finally
        {
            if (evseText is not null)
            {
                ArrayPool<char>.Shared.Return(evseText);
            }
        }
    }

    // Runs a prepared statement that returns no rows and resets it for its next use (also after a failure, which the
    // reset reports again; the step's code is the one thrown).
    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    /// <summary>Finalizes the journal's prepared statements (before the connection factory closes the file).</summary>
    public void Dispose()
    {
        lock (_journalLock)
        {
            _journal?.Dispose();
            _journal = new JournalStatements(null, null!, null!, null!, null!);
        }
    }

    // The journal's four statements on one connection (Db null: the store is disposed).
    private sealed record JournalStatements(sqlite3? Db, sqlite3_stmt Begin, sqlite3_stmt Commit, sqlite3_stmt InsertFinal, sqlite3_stmt InsertFallback) : IDisposable
    {
        public static JournalStatements Prepare(sqlite3 db)
        {
            var prepared = new List<sqlite3_stmt>(4);
            try
            {
                foreach (var sql in new[] { "BEGIN IMMEDIATE"u8.ToArray(), "COMMIT"u8.ToArray(), SqliteTokenStore.InsertAuthorization.ToArray(), SqliteTokenStore.InsertFallback.ToArray() })
                {
                    Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
                    prepared.Add(statement);
                }
            }
            catch
            {
                prepared.ForEach(static p => p.Dispose());
                throw;
            }

            return new JournalStatements(db, prepared[0], prepared[1], prepared[2], prepared[3]);
        }

        public void Dispose()
        {
            Begin?.Dispose();
            Commit?.Dispose();
            InsertFinal?.Dispose();
            InsertFallback?.Dispose();
        }
    }

    // An empty span would bind SQL NULL (SQLite reads a null pointer as NULL); the statement turns that into ''.
    private static void BindText(sqlite3 db, sqlite3_stmt statement, int index, ReadOnlySpan<char> text) =>
        Check(db, text.IsEmpty ? raw.sqlite3_bind_null(statement, index) : raw.sqlite3_bind_text16(statement, index, text));

    // EVSE uids as stored: space-separated (uids have no spaces), in a pooled buffer when there are several.
    private static ReadOnlySpan<char> JoinEvseUids(IReadOnlyList<string> uids, ref char[]? buffer)
    {
        switch (uids.Count)
        {
            case 0:
                return [];
            case 1:
                return uids[0];
        }

        var length = uids.Count - 1;
        foreach (var uid in uids)
        {
            length += uid.Length;
        }

        if (buffer is null || buffer.Length < length)
        {
            if (buffer is not null)
            {
                ArrayPool<char>.Shared.Return(buffer);
            }

            buffer = ArrayPool<char>.Shared.Rent(length);
        }

        var written = 0;
        foreach (var uid in uids)
        {
            if (written > 0)
            {
                buffer[written++] = ' ';
            }

            uid.CopyTo(buffer.AsSpan(written));
            written += uid.Length;
        }

        return buffer.AsSpan(0, written);
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    private static PartyKey ParseParty(string text) =>
        PartyKey.TryParse(text, out var key) ? key.Value : throw new InvalidDataException($"bad party key '{text}' in the tokens store");

}
