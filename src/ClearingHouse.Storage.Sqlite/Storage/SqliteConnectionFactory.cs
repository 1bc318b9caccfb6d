using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>
/// Opens connections to the one ClearingHouse SQLite file with the pragmas durability needs, and
/// serializes this process's writers. Register it once (a singleton) and share it between every
/// store that keeps tables in that file (grain state, CDRs).
/// </summary>
/// <remarks>
/// SQLite allows one writer at a time. Letting many writers block in SQLite's busy handler would
/// park thread-pool threads (Microsoft.Data.Sqlite's async methods run synchronously), so writers
/// of this process queue on an async gate instead; the busy timeout only covers other processes
/// and WAL checkpoints. Readers never wait for the gate: WAL lets them read beside the writer.
/// </remarks>
public sealed class SqliteConnectionFactory : IDisposable
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialized;

    // The writers' connection: used only while holding _writeGate.
    private SqliteConnection? _writer;
    private bool _disposed;

    /// <summary>Creates the factory from validated options.</summary>
    public SqliteConnectionFactory(IOptions<SqliteStorageOptions> options)
    {
        var value = options.Value;
        var builder = new SqliteConnectionStringBuilder(value.ConnectionString)
        {
            // Pooling keeps opened connections (and their page caches) for reuse: opening a file
            // and running the pragmas on every grain call would cost more than the query.
            Pooling = true,
        };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;

        // synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss (not on a
        // process crash). Grain state and CDRs are acknowledged to partners once written, so each
        // commit must reach the disk before it returns; FULL fsyncs the WAL on every commit.
        var busyMs = (long)value.BusyTimeout.TotalMilliseconds;
        _pragmas = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {busyMs}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    }

    /// <summary>The database file path, as written in the connection string.</summary>
    public string DataSource { get; }

    /// <summary>
    /// Opens a pooled connection with busy timeout and synchronous=FULL set. The first call also
    /// creates the database folder and switches the file to WAL (a setting stored in the file).
    /// </summary>
    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (!_initialized)
        {
            await InitializeAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Through SQLite's API: as a command, the three pragmas cost a command, a reader and three
            // prepared statements on the managed heap per open (every token grain activation opens one).
            var rc = SQLitePCL.raw.sqlite3_exec(connection.Handle, _pragmas);
            if (rc != SQLitePCL.raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, connection.Handle);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> on an open connection while holding this process's write gate.
    /// Keep the work short: every writer of the file waits for it. Writers take turns on one connection
    /// that stays open (opening one and running the pragmas cost more, on the managed heap too, than a
    /// small group-committed write); it is replaced after a write that failed or left a transaction open.
    /// </summary>
    public async Task<T> ExecuteWriteAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = _writer ??= await OpenConnectionAsync(cancellationToken);
            var healthy = false;
            try
            {
                var result = await write(connection, cancellationToken);
                healthy = SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;
                return result;
            }
            finally
            {
                if (!healthy)
                {
                    // Rolled back first: the pool would otherwise hand the open transaction to its next user.
                    if (connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
                    {
                        SQLitePCL.raw.sqlite3_exec(handle, "ROLLBACK");
                    }

                    _writer = null;
                    await connection.DisposeAsync();
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Closes the pooled connections of this database so the file can be moved or deleted.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _writeGate.Wait();
        try
        {
            _disposed = true;
            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _writeGate.Release();
        }

        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
        _initGate.Dispose();
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initGate.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(DataSource));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = "PRAGMA journal_mode = WAL;";
            var mode = (string?)await command.ExecuteScalarAsync(cancellationToken);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite database '{DataSource}' refused WAL mode (journal_mode is '{mode}').");
            }

            _initialized = true;
        }
        finally
        {
            _initGate.Release();
        }
    }
}
