using System.Diagnostics;
using ClearingHouse.LoadTests.Cli;

namespace ClearingHouse.LoadTests.Calibration;

/// <summary>Where the empty handler runs: in this process, or in a child process like a hub would be.</summary>
public enum CalibrationHost
{
    /// <summary>Kestrel in the load generator's process: one GC heap and thread pool for client and server.</summary>
    InProcess,

    /// <summary>Kestrel in a child process of this tool, as the hub is a process of its own.</summary>
    Process,
}

/// <summary>A running calibration server, wherever it runs.</summary>
public interface ICalibrationTarget : IAsyncDisposable
{
    Uri Address { get; }
}

/// <summary>
/// The calibration server in a child process (this same executable, hidden sub-command
/// <c>serve-calibration</c>). The child prints its address on its first line and exits when its
/// standard input closes, so it never outlives the load test.
/// </summary>
public sealed class CalibrationServerProcess : ICalibrationTarget
{
    public const string CommandName = "serve-calibration";
    private const string ListeningPrefix = "listening ";

    private readonly Process _process;

    private CalibrationServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ICalibrationTarget> StartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? "dotnet",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(CalibrationServerProcess).Assembly.Location);
        }

        start.ArgumentList.Add(CommandName);
        var process = Process.Start(start) ?? throw new LoadTestSetupException("could not start the calibration server process.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null || !line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                throw new LoadTestSetupException($"the calibration server process did not start (it said: {line ?? "nothing"}).");
            }

            return new CalibrationServerProcess(process, new Uri(line[ListeningPrefix.Length..]));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new LoadTestSetupException("the calibration server process did not start within 20 s.");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>The child's side: serve until the parent closes standard input.</summary>
    public static async Task<int> ServeAsync(CancellationToken cancellationToken)
    {
        await using var server = await CalibrationServer.StartAsync(cancellationToken);
        Console.WriteLine(ListeningPrefix + server.Address);
        await Console.Out.FlushAsync(cancellationToken);
        try
        {
            while (await Console.In.ReadLineAsync(cancellationToken) is not null)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
