using System.Diagnostics;
using System.Text;

namespace ClearingHouse.Server.Tests.Cli;

/// <summary>
/// The built CLI (<c>clearinghouse.dll</c>, copied beside the test assembly by the project reference) and bash, run as
/// OS processes the way a person runs them, so what is checked is the real exit code and the real output streams (an
/// unhandled exception is exit code 134 with a stack trace there, not a test exception).
/// </summary>
public static class CliProcess
{
    /// <summary>How long one CLI command may take on a loaded 2-core machine.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The CLI assembly built with the tests.</summary>
    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "clearinghouse.dll");

    /// <summary>The repository root (the folder holding ClearingHouse.sln), found above the test assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ClearingHouse.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException($"ClearingHouse.sln not found above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The outcome of one process: exit code and what it wrote.</summary>
    public sealed record Result(string Command, int Code, string Output, string Error)
    {
        /// <summary>Everything needed to see why an assertion failed.</summary>
        public override string ToString() => $"$ {Command}{Environment.NewLine}exit code {Code}{Environment.NewLine}--- stdout ---{Environment.NewLine}{Output}--- stderr ---{Environment.NewLine}{Error}";
    }

    /// <summary>Runs <c>clearinghouse <paramref name="args"/></c> in <paramref name="workingDirectory"/>.</summary>
    public static Task<Result> RunAsync(string workingDirectory, params string[] args) =>
        RunAsync("dotnet", [Assembly, .. args], workingDirectory, CommandTimeout);

    /// <summary>Runs any program; kills its process tree when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(string program, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var (process, result) = Launch(program, args, workingDirectory, environment, onLine: null);
        using (process)
        {
            return await WaitOrKillAsync(process, timeout)
                ? result(process.ExitCode)
                : throw new TimeoutException($"still running after {timeout}, killed:{Environment.NewLine}{result(-1)}");
        }
    }

    /// <summary>
    /// Starts <c>clearinghouse <paramref name="args"/></c> in the background (a CPO's <c>cpo answer</c>, a watch) and
    /// returns once it printed a line containing <paramref name="ready"/>; awaiting <see cref="Background.Exit"/> gives its result.
    /// </summary>
    public static async Task<Background> StartAsync(string workingDirectory, string ready, params string[] args)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (process, result) = Launch("dotnet", [Assembly, .. args], workingDirectory, environment: null, onLine: line =>
        {
            if (line.Contains(ready, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        });
        var exit = Task.Run(async () =>
        {
            using (process)
            {
                await WaitOrKillAsync(process, CommandTimeout);
                return result(process.ExitCode);
            }
        });
        if (await Task.WhenAny(seen.Task, exit, Task.Delay(CommandTimeout)) != seen.Task)
        {
            throw new InvalidOperationException($"'{ready}' not printed by:{Environment.NewLine}{(exit.IsCompleted ? await exit : result(-1))}");
        }

        return new Background(exit);
    }

    /// <summary>A CLI process running in the background.</summary>
    public sealed record Background(Task<Result> Exit);

    // False when the process had to be killed (its tree) after the timeout.
    private static async Task<bool> WaitOrKillAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return false;
        }
    }

    // Starts a process with its output collected; the function gives the result with an exit code.
    private static (Process Process, Func<int, Result> Result) Launch(string program, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? environment, Action<string>? onLine)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The CLI's own settings must come from the test, never from the environment the tests run in.
        start.Environment.Remove("CLEARINGHOUSE_HUB");
        start.Environment.Remove("CLEARINGHOUSE_CREDENTIAL");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var command = string.Join(' ', start.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a).Prepend(program));
        var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            if (e.Data is not null)
            {
                onLine?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, code => new Result(command, code, Text(output), Text(error)));
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
