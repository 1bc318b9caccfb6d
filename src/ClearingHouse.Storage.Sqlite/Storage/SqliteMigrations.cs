using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>
/// The SQLite file's schema, created in one step at start-up: every table and index of every SQLite store (grain
/// state, tokens and authorizations, locations and statuses, sessions, CDRs and their feed, data quality,
/// settlement) is defined here and nowhere else. The stores assume it ran: they never create tables themselves.
/// </summary>
/// <remarks>
/// Runs in the silo's lifecycle at <see cref="Stage"/>, before the silo's runtime starts, so before any grain
/// storage, store or hosted service of the hub touches the file. Every statement is idempotent
/// (<c>IF NOT EXISTS</c>), and a database made by an older version gets what it lacks (the CDR feed column).
/// Tests that build stores by hand call <see cref="RunAsync"/> first.
/// </remarks>
public sealed partial class SqliteMigrations(SqliteConnectionFactory connections, ILogger<SqliteMigrations> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The silo lifecycle stage the migration runs at: before the runtime (membership, grain storage) starts.</summary>
    public const int Stage = ServiceLifecycleStage.RuntimeInitialize - 1;

    /// <summary>Every table and index, in dependency order; idempotent.</summary>
    public const string Schema = GrainState + Tokens + Locations + Sessions + Cdrs + DataQuality + Settlement + Invoices;

    private const string GrainState = """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type TEXT    NOT NULL,
            grain_id   TEXT    NOT NULL,
            state_name TEXT    NOT NULL,
            etag       INTEGER NOT NULL,
            payload    BLOB    NULL,
            updated_at TEXT    NOT NULL,
            PRIMARY KEY (grain_type, grain_id, state_name)
        );
        """;

    // One decision: final ones in authorizations, provisional ones (see AuthorizationRecord.Provisional) in authorization_fallbacks.
    private const string AuthorizationColumns = """
        reference TEXT NOT NULL PRIMARY KEY,
        cpo TEXT NOT NULL,
        emsp TEXT,
        type INTEGER NOT NULL,
        uid TEXT NOT NULL,
        location_id TEXT,
        evse_uids TEXT NOT NULL,
        allowed INTEGER NOT NULL,
        source INTEGER NOT NULL,
        decided_at INTEGER NOT NULL
        """;

    private const string Tokens = $"""
        CREATE TABLE IF NOT EXISTS tokens (
            type INTEGER NOT NULL,
            uid TEXT NOT NULL,
            owner TEXT NOT NULL,
            contract_id TEXT NOT NULL,
            visual_number TEXT,
            issuer TEXT NOT NULL,
            group_id TEXT,
            valid INTEGER NOT NULL,
            whitelist INTEGER NOT NULL,
            language TEXT,
            default_profile_type INTEGER,
            energy_supplier_name TEXT,
            energy_contract_id TEXT,
            last_updated INTEGER NOT NULL,
            PRIMARY KEY (type, uid)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS authorizations ({AuthorizationColumns}) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS authorization_fallbacks ({AuthorizationColumns}) WITHOUT ROWID;
        """;

    private const string Locations = """
        CREATE TABLE IF NOT EXISTS location_index (
            cpo          TEXT    NOT NULL,
            location_id  TEXT    NOT NULL,
            country_code TEXT    NOT NULL,
            last_updated INTEGER NOT NULL,
            PRIMARY KEY (cpo, location_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS evse_status (
            location_key TEXT    NOT NULL,
            evse_uid     TEXT    NOT NULL,
            status       INTEGER NOT NULL,
            last_updated INTEGER NOT NULL,
            PRIMARY KEY (location_key, evse_uid)
        ) WITHOUT ROWID;
        """;

    private const string Sessions = """
        CREATE TABLE IF NOT EXISTS sessions (
            cpo TEXT NOT NULL,
            id TEXT NOT NULL,
            emsp TEXT NOT NULL,
            status INTEGER NOT NULL,
            last_updated INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (cpo, id)) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS sessions_seq ON sessions (seq);
        CREATE INDEX IF NOT EXISTS sessions_emsp_seq ON sessions (emsp, seq);
        CREATE INDEX IF NOT EXISTS sessions_emsp_updated ON sessions (emsp, last_updated, cpo, id);
        CREATE INDEX IF NOT EXISTS sessions_silent ON sessions (received_at, cpo, id) WHERE status IN (1, 4);
        """;

    private const string Cdrs = """
        CREATE TABLE IF NOT EXISTS cdrs (
            cpo_country TEXT NOT NULL,
            cpo_party TEXT NOT NULL,
            cdr_id TEXT NOT NULL,
            emsp_country TEXT NOT NULL,
            emsp_party TEXT NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            currency TEXT NOT NULL,
            total_excl TEXT NOT NULL,
            total_incl TEXT NULL,
            credit INTEGER NOT NULL,
            credit_reference_id TEXT NULL,
            tariff_id TEXT NULL,
            price_check INTEGER NOT NULL,
            hub_price TEXT NULL,
            received_at INTEGER NOT NULL,
            ocpi_json TEXT NOT NULL,
            feed_seq INTEGER NULL,
            UNIQUE (cpo_country, cpo_party, cdr_id));
        CREATE TABLE IF NOT EXISTS cdr_feed_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
        INSERT OR IGNORE INTO cdr_feed_head (id, seq) VALUES (1, 0);
        CREATE INDEX IF NOT EXISTS cdrs_by_cpo ON cdrs (cpo_country, cpo_party, end_time, cdr_id);
        CREATE INDEX IF NOT EXISTS cdrs_by_emsp ON cdrs (emsp_country, emsp_party, end_time, cpo_country, cpo_party, cdr_id);
        """;

    // tariff_versions: every version of every tariff (ITariffHistoryStore), instants in UTC ticks.
    // tariff_id '' marks a connector that names no tariff, so one row per connector always exists. evse_status gets no
    // index on last_updated on purpose: it halved the status write-behind's upsert rate in a measurement (every status
    // change moves the row in that index), while the stale scan costs about 30 ms per million EVSEs.
    private const string DataQuality = """
        CREATE TABLE IF NOT EXISTS location_connectors (
            cpo         TEXT NOT NULL,
            location_id TEXT NOT NULL,
            evse_uid    TEXT NOT NULL,
            connector_id TEXT NOT NULL,
            tariff_id   TEXT NOT NULL,
            PRIMARY KEY (cpo, location_id, evse_uid, connector_id, tariff_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS tariff_index (
            cpo       TEXT NOT NULL,
            tariff_id TEXT NOT NULL,
            PRIMARY KEY (cpo, tariff_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS tariff_versions (
            cpo          TEXT NOT NULL,
            tariff_id    TEXT NOT NULL,
            last_updated INTEGER NOT NULL,
            currency     TEXT NOT NULL,
            ocpi_json    TEXT NOT NULL,
            recorded_at  INTEGER NOT NULL,
            PRIMARY KEY (cpo, tariff_id, last_updated));
        """;

    private const string Settlement = """
        CREATE TABLE IF NOT EXISTS statements (
            number INTEGER PRIMARY KEY,
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, emsp_country TEXT NOT NULL, emsp_party TEXT NOT NULL,
            currency TEXT NOT NULL, period_from INTEGER NOT NULL, period_to INTEGER NOT NULL,
            closed_at INTEGER NOT NULL, closed_by TEXT NOT NULL, line_count INTEGER NOT NULL, totals TEXT NOT NULL, content_hash TEXT NOT NULL,
            UNIQUE (cpo_country, cpo_party, emsp_country, emsp_party, currency, period_from, period_to));
        CREATE INDEX IF NOT EXISTS statements_by_emsp ON statements (emsp_country, emsp_party, number);
        CREATE TABLE IF NOT EXISTS statement_lines (
            number INTEGER NOT NULL, line_no INTEGER NOT NULL, cdr_id TEXT NOT NULL, csv TEXT NOT NULL,
            PRIMARY KEY (number, line_no));
        CREATE TABLE IF NOT EXISTS settled_cdrs (
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, cdr_id TEXT NOT NULL, number INTEGER NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE TABLE IF NOT EXISTS disputes (
            id INTEGER PRIMARY KEY,
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, cdr_id TEXT NOT NULL, emsp_country TEXT NOT NULL, emsp_party TEXT NOT NULL,
            currency TEXT NOT NULL, cdr_end INTEGER NOT NULL, state INTEGER NOT NULL, opened_by TEXT NOT NULL, reason TEXT NOT NULL,
            opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL, credit_cdr_id TEXT NULL, new_cdr_id TEXT NULL,
            UNIQUE (cpo_country, cpo_party, cdr_id));
        CREATE INDEX IF NOT EXISTS disputes_by_emsp ON disputes (emsp_country, emsp_party, id);
        CREATE TABLE IF NOT EXISTS dispute_events (
            dispute_id INTEGER NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
            from_state INTEGER NULL, to_state INTEGER NOT NULL, reason TEXT NOT NULL,
            PRIMARY KEY (dispute_id, version));
        CREATE TABLE IF NOT EXISTS audit_log (
            seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL);
        """;

    // Invoice reconciliation: a CDR is invoiced at most once (invoiced_cdrs' key); statements read what is invoiced of
    // the CDRs they settled (settled_cdrs by statement).
    private const string Invoices = """
        CREATE TABLE IF NOT EXISTS invoices (
            number INTEGER PRIMARY KEY,
            owner_country TEXT NOT NULL, owner_party TEXT NOT NULL, owner_role INTEGER NOT NULL, record_id TEXT NOT NULL, invoice_id TEXT NOT NULL,
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, emsp_country TEXT NOT NULL, emsp_party TEXT NOT NULL,
            statement_number INTEGER NULL, totals TEXT NOT NULL, last_updated INTEGER NOT NULL, received_at INTEGER NOT NULL,
            UNIQUE (owner_country, owner_party, owner_role, record_id));
        CREATE INDEX IF NOT EXISTS invoices_by_cpo ON invoices (cpo_country, cpo_party, number);
        CREATE INDEX IF NOT EXISTS invoices_by_emsp ON invoices (emsp_country, emsp_party, number);
        CREATE TABLE IF NOT EXISTS invoice_lines (
            number INTEGER NOT NULL, line_no INTEGER NOT NULL, cdr_id TEXT NOT NULL, currency TEXT NOT NULL, excl_vat TEXT NOT NULL, incl_vat TEXT NOT NULL,
            PRIMARY KEY (number, line_no));
        CREATE TABLE IF NOT EXISTS invoiced_cdrs (
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, cdr_id TEXT NOT NULL, number INTEGER NOT NULL, line_no INTEGER NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE INDEX IF NOT EXISTS settled_cdrs_by_statement ON settled_cdrs (number);
        """;

    // Databases made before the CDR feed existed get its column; their old rows stay out of the feed.
    private const string FeedIndex = "CREATE INDEX IF NOT EXISTS cdrs_feed ON cdrs (emsp_country, emsp_party, feed_seq);";

    /// <summary>Creates what is missing; safe to run any number of times, also while the hub serves.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = Schema;
                await command.ExecuteNonQueryAsync(ct);
                command.CommandText = "SELECT count(*) FROM pragma_table_info('cdrs') WHERE name = 'feed_seq'";
                if (Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) == 0)
                {
                    command.CommandText = "ALTER TABLE cdrs ADD COLUMN feed_seq INTEGER NULL";
                    await command.ExecuteNonQueryAsync(ct);
                }

                command.CommandText = FeedIndex;
                await command.ExecuteNonQueryAsync(ct);
                return true;
            },
            cancellationToken);
        LogSchemaReady(logger, connections.DataSource);
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SqliteMigrations), Stage, RunAsync);
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "SQLite schema ready in {DataSource}")]
    private static partial void LogSchemaReady(ILogger logger, string dataSource);
}
