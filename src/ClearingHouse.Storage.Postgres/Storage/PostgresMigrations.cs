using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace ClearingHouse.Storage.Postgres;

/// <summary>
/// The PostgreSQL database's schema, created in one step at start-up: every table, sequence and index of every
/// PostgreSQL store (grain state, tokens and authorizations, locations and statuses, sessions, CDRs and their feed,
/// data quality, settlement) and the Orleans cluster membership tables are defined here and nowhere else. The stores
/// assume it ran: they never create tables themselves (only the CDR store adds day partitions as days arrive).
/// </summary>
/// <remarks>
/// Runs in the silo's lifecycle at <see cref="Stage"/>, before the silo's runtime starts, so before cluster
/// membership, grain storage and the hub's hosted services touch the database. Every statement is idempotent
/// (<c>IF NOT EXISTS</c>, upserts), so every silo runs it at every start; silos starting together take turns on one
/// transaction-scoped advisory lock (<c>CREATE ... IF NOT EXISTS</c> racing with itself fails with a unique
/// violation in the catalog). Tests that build stores by hand call <see cref="RunAsync"/> first.
/// </remarks>
public sealed partial class PostgresMigrations(PostgresConnectionFactory connections, ILogger<PostgresMigrations> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The silo lifecycle stage the migration runs at: before the runtime (membership, grain storage) starts.</summary>
    public const int Stage = ServiceLifecycleStage.RuntimeInitialize - 1;

    /// <summary>The advisory lock every schema change of this database takes (the CDR store's new partitions too).</summary>
    internal const long LockKey = 0x43445253_0001;

    /// <summary>Every table, sequence and index, in dependency order; idempotent.</summary>
    public const string Schema = GrainState + Tokens + Locations + Sessions + Cdrs + DataQuality + Settlement + Invoices + ClusterMembership;

    private const string GrainState = """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type text        NOT NULL,
            grain_id   text        NOT NULL,
            state_name text        NOT NULL,
            etag       bigint      NOT NULL,
            payload    bytea       NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (grain_type, grain_id, state_name)
        );
        """;

    // One decision: final ones in authorizations, provisional ones (see AuthorizationRecord.Provisional) in authorization_fallbacks.
    private const string AuthorizationColumns = """
        reference text NOT NULL PRIMARY KEY,
        cpo text NOT NULL,
        emsp text,
        type smallint NOT NULL,
        uid text NOT NULL,
        location_id text,
        evse_uids text[] NOT NULL,
        allowed smallint NOT NULL,
        source smallint NOT NULL,
        decided_at timestamptz NOT NULL
        """;

    private const string Tokens = $"""
        CREATE TABLE IF NOT EXISTS tokens (
            type smallint NOT NULL,
            uid text NOT NULL,
            owner text NOT NULL,
            contract_id text NOT NULL,
            visual_number text,
            issuer text NOT NULL,
            group_id text,
            valid boolean NOT NULL,
            whitelist smallint NOT NULL,
            language text,
            default_profile_type smallint,
            energy_supplier_name text,
            energy_contract_id text,
            last_updated timestamptz NOT NULL,
            PRIMARY KEY (type, uid));
        CREATE TABLE IF NOT EXISTS authorizations ({AuthorizationColumns});
        CREATE TABLE IF NOT EXISTS authorization_fallbacks ({AuthorizationColumns});
        """;

    private const string Locations = """
        CREATE TABLE IF NOT EXISTS location_index (
            cpo          text   NOT NULL,
            location_id  text   NOT NULL,
            country_code text   NOT NULL,
            last_updated bigint NOT NULL,
            PRIMARY KEY (cpo, location_id)
        );
        CREATE TABLE IF NOT EXISTS evse_status (
            location_key text     NOT NULL,
            evse_uid     text     NOT NULL,
            status       smallint NOT NULL,
            last_updated bigint   NOT NULL,
            PRIMARY KEY (location_key, evse_uid)
        );
        """;

    private const string Sessions = """
        CREATE SEQUENCE IF NOT EXISTS sessions_seq;
        CREATE TABLE IF NOT EXISTS sessions (
            cpo text NOT NULL,
            id text NOT NULL,
            emsp text NOT NULL,
            status smallint NOT NULL,
            last_updated timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            seq bigint NOT NULL,
            body bytea NOT NULL,
            PRIMARY KEY (cpo, id));
        CREATE INDEX IF NOT EXISTS sessions_emsp_seq ON sessions (emsp, seq);
        CREATE INDEX IF NOT EXISTS sessions_emsp_updated ON sessions (emsp, last_updated, cpo, id);
        CREATE INDEX IF NOT EXISTS sessions_silent ON sessions (received_at, cpo, id) WHERE status IN (1, 4);
        """;

    private const string Cdrs = """
        CREATE TABLE IF NOT EXISTS cdr_keys (
            cpo_country text NOT NULL,
            cpo_party text NOT NULL,
            cdr_id text NOT NULL,
            end_time timestamptz NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE SEQUENCE IF NOT EXISTS cdr_feed_seq;
        ALTER TABLE cdr_keys
            ADD COLUMN IF NOT EXISTS emsp_country text NULL,
            ADD COLUMN IF NOT EXISTS emsp_party text NULL,
            ADD COLUMN IF NOT EXISTS feed_xid bigint NULL DEFAULT (pg_current_xact_id()::text::bigint),
            ADD COLUMN IF NOT EXISTS feed_seq bigint NULL DEFAULT nextval('cdr_feed_seq');
        CREATE INDEX IF NOT EXISTS cdr_keys_feed ON cdr_keys (emsp_country, emsp_party, feed_xid, feed_seq);
        CREATE TABLE IF NOT EXISTS cdrs (
            cpo_country text NOT NULL,
            cpo_party text NOT NULL,
            cdr_id text NOT NULL,
            emsp_country text NOT NULL,
            emsp_party text NOT NULL,
            start_time timestamptz NOT NULL,
            end_time timestamptz NOT NULL,
            currency text NOT NULL,
            total_excl numeric NOT NULL,
            total_incl numeric NULL,
            credit boolean NOT NULL,
            credit_reference_id text NULL,
            tariff_id text NULL,
            price_check smallint NOT NULL,
            hub_price text NULL,
            received_at timestamptz NOT NULL,
            ocpi_json text NOT NULL
        ) PARTITION BY RANGE (end_time);
        CREATE INDEX IF NOT EXISTS cdrs_by_cpo ON cdrs (cpo_country, cpo_party, end_time, cdr_id);
        CREATE INDEX IF NOT EXISTS cdrs_by_emsp ON cdrs (emsp_country, emsp_party, end_time, cpo_country, cpo_party, cdr_id);
        CREATE INDEX IF NOT EXISTS cdrs_by_cpo_emsp ON cdrs (cpo_country, cpo_party, emsp_country, emsp_party, end_time, cdr_id);
        """;

    // tariff_versions: every version of every tariff (ITariffHistoryStore), instants in UTC ticks.
    // tariff_id '' marks a connector that names no tariff, so one row per connector always exists. evse_status gets no
    // index on last_updated on purpose: it halved the status write-behind's upsert rate in a measurement (every status
    // change moves the row in that index), while the stale scan costs about 30 ms per million EVSEs.
    private const string DataQuality = """
        CREATE TABLE IF NOT EXISTS location_connectors (
            cpo          text NOT NULL,
            location_id  text NOT NULL,
            evse_uid     text NOT NULL,
            connector_id text NOT NULL,
            tariff_id    text NOT NULL,
            PRIMARY KEY (cpo, location_id, evse_uid, connector_id, tariff_id));
        CREATE TABLE IF NOT EXISTS tariff_index (
            cpo       text NOT NULL,
            tariff_id text NOT NULL,
            PRIMARY KEY (cpo, tariff_id));
        CREATE TABLE IF NOT EXISTS tariff_versions (
            cpo          text NOT NULL,
            tariff_id    text NOT NULL,
            last_updated bigint NOT NULL,
            currency     text NOT NULL,
            ocpi_json    text NOT NULL,
            recorded_at  bigint NOT NULL,
            PRIMARY KEY (cpo, tariff_id, last_updated));
        """;

    private const string Settlement = """
        CREATE TABLE IF NOT EXISTS statements (
            number bigint PRIMARY KEY,
            cpo_country text NOT NULL, cpo_party text NOT NULL, emsp_country text NOT NULL, emsp_party text NOT NULL,
            currency text NOT NULL, period_from bigint NOT NULL, period_to bigint NOT NULL,
            closed_at bigint NOT NULL, closed_by text NOT NULL, line_count integer NOT NULL, totals text NOT NULL, content_hash text NOT NULL,
            UNIQUE (cpo_country, cpo_party, emsp_country, emsp_party, currency, period_from, period_to));
        CREATE INDEX IF NOT EXISTS statements_by_emsp ON statements (emsp_country, emsp_party, number);
        CREATE TABLE IF NOT EXISTS statement_lines (
            number bigint NOT NULL, line_no bigint NOT NULL, cdr_id text NOT NULL, csv text NOT NULL,
            PRIMARY KEY (number, line_no));
        CREATE TABLE IF NOT EXISTS settled_cdrs (
            cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, number bigint NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE TABLE IF NOT EXISTS disputes (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, emsp_country text NOT NULL, emsp_party text NOT NULL,
            currency text NOT NULL, cdr_end bigint NOT NULL, state integer NOT NULL, opened_by text NOT NULL, reason text NOT NULL,
            opened_at bigint NOT NULL, updated_at bigint NOT NULL, version integer NOT NULL, credit_cdr_id text NULL, new_cdr_id text NULL,
            UNIQUE (cpo_country, cpo_party, cdr_id));
        CREATE INDEX IF NOT EXISTS disputes_by_emsp ON disputes (emsp_country, emsp_party, id);
        CREATE TABLE IF NOT EXISTS dispute_events (
            dispute_id bigint NOT NULL, version integer NOT NULL, at bigint NOT NULL, actor text NOT NULL,
            from_state integer NULL, to_state integer NOT NULL, reason text NOT NULL,
            PRIMARY KEY (dispute_id, version));
        CREATE TABLE IF NOT EXISTS audit_log (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, target text NOT NULL, detail text NOT NULL);
        """;

    // Invoice reconciliation: a CDR is invoiced at most once (invoiced_cdrs' key); statements read what is invoiced of
    // the CDRs they settled (settled_cdrs by statement).
    private const string Invoices = """
        CREATE TABLE IF NOT EXISTS invoices (
            number bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            owner_country text NOT NULL, owner_party text NOT NULL, owner_role integer NOT NULL, record_id text NOT NULL, invoice_id text NOT NULL,
            cpo_country text NOT NULL, cpo_party text NOT NULL, emsp_country text NOT NULL, emsp_party text NOT NULL,
            statement_number bigint NULL, totals text NOT NULL, last_updated bigint NOT NULL, received_at bigint NOT NULL,
            UNIQUE (owner_country, owner_party, owner_role, record_id));
        CREATE INDEX IF NOT EXISTS invoices_by_cpo ON invoices (cpo_country, cpo_party, number);
        CREATE INDEX IF NOT EXISTS invoices_by_emsp ON invoices (emsp_country, emsp_party, number);
        CREATE TABLE IF NOT EXISTS invoice_lines (
            number bigint NOT NULL, line_no integer NOT NULL, cdr_id text NOT NULL, currency text NOT NULL, excl_vat text NOT NULL, incl_vat text NOT NULL,
            PRIMARY KEY (number, line_no));
        CREATE TABLE IF NOT EXISTS invoiced_cdrs (
            cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, number bigint NOT NULL, line_no integer NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE INDEX IF NOT EXISTS settled_cdrs_by_statement ON settled_cdrs (number);
        """;

    private static readonly string LockedSchema = string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({LockKey});\n{Schema}");

    // Orleans cluster membership (Microsoft.Orleans.Clustering.AdoNet): the provider reads the statements it runs from
    // OrleansQuery by key, with its own parameter and column names (@DeploymentId = the cluster id, Version the
    // table's version, Status Orleans' SiloStatus where 6 is Dead). Every change of a member row moves the version
    // row in the same statement, and happens only when the caller's version is still current: that is the
    // optimistic concurrency Orleans' membership protocol needs. The statements are upserted at each start, so
    // a newer hub version can change them.
    private const string ClusterMembership = """
        CREATE TABLE IF NOT EXISTS OrleansQuery (
            QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
            QueryText varchar(8000) NOT NULL);
        CREATE TABLE IF NOT EXISTS orleans_cluster_version (
            deployment_id text        NOT NULL PRIMARY KEY,
            version       integer     NOT NULL DEFAULT 0,
            changed_at    timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS orleans_cluster_members (
            deployment_id   text        NOT NULL REFERENCES orleans_cluster_version (deployment_id),
            address         text        NOT NULL,
            port            integer     NOT NULL,
            generation      integer     NOT NULL,
            silo_name       text        NOT NULL,
            host_name       text        NOT NULL,
            status          integer     NOT NULL,
            proxy_port      integer     NULL,
            suspect_times   text        NULL,
            start_time      timestamptz NOT NULL,
            i_am_alive_time timestamptz NOT NULL,
            PRIMARY KEY (deployment_id, address, port, generation));
        INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
        ('InsertMembershipVersionKey', $q$
            WITH inserted AS (
                INSERT INTO orleans_cluster_version (deployment_id) VALUES (@DeploymentId)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*)::integer FROM inserted
        $q$),
        ('InsertMembershipKey', $q$
            WITH bumped AS (
                UPDATE orleans_cluster_version SET version = version + 1, changed_at = now()
                WHERE deployment_id = @DeploymentId AND version = @Version AND version < 2147483647
                  AND NOT EXISTS (SELECT 1 FROM orleans_cluster_members
                                  WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
                RETURNING deployment_id),
            inserted AS (
                INSERT INTO orleans_cluster_members
                    (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
                SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                FROM bumped
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*)::integer FROM inserted
        $q$),
        ('UpdateMembershipKey', $q$
            WITH bumped AS (
                UPDATE orleans_cluster_version SET version = version + 1, changed_at = now()
                WHERE deployment_id = @DeploymentId AND version = @Version AND version < 2147483647
                  AND EXISTS (SELECT 1 FROM orleans_cluster_members
                              WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
                RETURNING deployment_id),
            updated AS (
                UPDATE orleans_cluster_members m
                SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = GREATEST(m.i_am_alive_time, @IAmAliveTime)
                FROM bumped
                WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
                RETURNING 1)
            SELECT count(*)::integer FROM updated
        $q$),
        ('UpdateIAmAlivetimeKey', $q$
            UPDATE orleans_cluster_members SET i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
            WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
        $q$),
        ('MembershipReadRowKey', $q$
            SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
                   m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
                   m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
            FROM orleans_cluster_version v
            LEFT JOIN orleans_cluster_members m
                ON m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
            WHERE v.deployment_id = @DeploymentId
        $q$),
        ('MembershipReadAllKey', $q$
            SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
                   m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
                   m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
            FROM orleans_cluster_version v
            LEFT JOIN orleans_cluster_members m ON m.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId
        $q$),
        ('GatewaysQueryKey', $q$
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
            FROM orleans_cluster_members
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
        $q$),
        ('DeleteMembershipTableEntriesKey', $q$
            DELETE FROM orleans_cluster_members WHERE deployment_id = @DeploymentId;
            DELETE FROM orleans_cluster_version WHERE deployment_id = @DeploymentId;
        $q$),
        ('CleanupDefunctSiloEntriesKey', $q$
            DELETE FROM orleans_cluster_members
            WHERE deployment_id = @DeploymentId AND status = 6 AND coalesce(suspect_times, '') = ''
              AND i_am_alive_time < @IAmAliveTime AND start_time < @IAmAliveTime
        $q$),
        ('CleanupDefunctSiloEntryKey', $q$
            DELETE FROM orleans_cluster_members
            WHERE deployment_id = @DeploymentId AND status = 6
              AND address = @Address AND port = @Port AND generation = @Generation
              AND i_am_alive_time = @IAmAliveTime AND start_time = @StartTime
              AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
        $q$)
        ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
        """;

    /// <summary>Creates what is missing; safe to run any number of times, from any number of silos at once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // No parameters: Npgsql splits the text into its statements (dollar-quoted query texts stay whole).
            await using var command = new NpgsqlCommand(LockedSchema, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await using var show = new NpgsqlCommand("SHOW synchronous_commit", connection);
        var synchronousCommit = (string?)await show.ExecuteScalarAsync(cancellationToken);
        if (string.Equals(synchronousCommit, "off", StringComparison.OrdinalIgnoreCase))
        {
            LogSynchronousCommitOff(logger);
        }

        LogSchemaReady(logger, connection.Database);
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(PostgresMigrations), Stage, RunAsync);
    }

    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "PostgreSQL schema ready in database {Database}")]
    private static partial void LogSchemaReady(ILogger logger, string database);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "The PostgreSQL server runs with synchronous_commit=off, so acknowledged data can be lost in a crash")]
    private static partial void LogSynchronousCommitOff(ILogger logger);
}
