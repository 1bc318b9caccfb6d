using System.Diagnostics;
using System.Globalization;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// A PostgreSQL server of one test's own (initdb in a temporary folder, a free port), that the test can stop as a
/// crash does (<c>pg_ctl -m immediate stop</c>) and start again on the same data: for outage tests that must not
/// touch the shared test server other tests use.
/// </summary>
public sealed class OwnPostgres : IAsyncDisposable
{
    private readonly TempDirectory _directory;

    private OwnPostgres(TempDirectory directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>A connection string to its <c>postgres</c> database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    private string Data => Path.Combine(_directory.Path, "data");

    private static string Bin => Directory.GetDirectories("/usr/lib/postgresql")
        .OrderBy(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
        .Select(d => Path.Combine(d, "bin"))
        .LastOrDefault() ?? throw new InvalidOperationException("PostgreSQL is not installed (scripts/services.sh installs it)");

    /// <summary>Creates the cluster and starts the server.</summary>
    public static async Task<OwnPostgres> StartAsync()
    {
        var directory = new TempDirectory();
        var postgres = new OwnPostgres(directory, HubHost.FreePort());
        try
        {
            if (Environment.UserName == "root")
            {
                // PostgreSQL refuses to run as root; the postgres user must own its folder.
                await RunAsync("chown", ["-R", "postgres:postgres", directory.Path], asPostgres: false);
            }

            await RunAsync(Path.Combine(Bin, "initdb"), ["-D", postgres.Data, "--auth=trust", "--username=postgres", "-E", "UTF8"]);
            await postgres.StartServerAsync();
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on its data and port; returns once it accepts connections.</summary>
    public Task StartServerAsync() => RunAsync(Path.Combine(Bin, "pg_ctl"),
    [
        "-D", Data, "-l", Path.Combine(_directory.Path, "postgres.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_directory.Path} -c fsync=off -c max_connections=200", "start",
    ]);

    /// <summary>Stops the server as a crash does: no checkpoint, every connection cut.</summary>
    public Task StopImmediateAsync() => RunAsync(Path.Combine(Bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopImmediateAsync();
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        _directory.Dispose();
    }

    // Output goes to a file, not to a pipe of this process: the server pg_ctl starts must hold nothing of the test's.
    private static async Task RunAsync(string file, string[] arguments, bool asPostgres = true)
    {
        var outputFile = Path.Combine(Path.GetTempPath(), $"clearinghouse-pg-{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo { UseShellExecute = false, FileName = "bash" };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(asPostgres && Environment.UserName == "root"
            ? $"exec runuser -u postgres -- \"$0\" \"$@\" > {outputFile} 2>&1 < /dev/null"
            : $"exec \"$0\" \"$@\" > {outputFile} 2>&1 < /dev/null");
        start.ArgumentList.Add(file);
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(File.Exists(outputFile) ? await File.ReadAllTextAsync(outputFile) : "")}");
            }
        }
        finally
        {
            File.Delete(outputFile);
        }
    }
}
