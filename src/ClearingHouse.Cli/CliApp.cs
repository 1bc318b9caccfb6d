using System.CommandLine;
using ClearingHouse.Cli.Commands;
using ClearingHouse.Cli.Output;
using Google.Rpc;
using Grpc.Core;

namespace ClearingHouse.Cli;

/// <summary>
/// The <c>clearinghouse</c> command line: the real gRPC client a person uses to run the hub.
/// Exit codes: 0 success, 1 the hub refused the call, 2 bad usage, 3 the hub cannot be reached.
/// </summary>
public sealed class CliApp(TextWriter output, TextWriter error)
{
    /// <summary>Runs one command line and returns its exit code.</summary>
    public async Task<int> RunAsync(string[] args)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("ClearingHouse: the EV-charging roaming hub's operator and partner CLI.");
        globals.AddTo(root);

        var context = new CommandContext(globals, output);
        root.Subcommands.Add(PartiesCommands.Create(context));
        root.Subcommands.Add(CredentialsCommands.Create(context));
        root.Subcommands.Add(AgreementsCommands.Create(context));
        root.Subcommands.Add(LocationsCommands.Create(context));
        root.Subcommands.Add(StatusCommands.Create(context));
        root.Subcommands.Add(TariffsCommands.Create(context));
        root.Subcommands.Add(CdrsCommands.Create(context));
        root.Subcommands.Add(StatementsCommands.Create(context));
        root.Subcommands.Add(DisputesCommands.Create(context));
        root.Subcommands.Add(InvoicesCommands.Create(context));
        root.Subcommands.Add(OpsCommands.Create(context));
        root.Subcommands.Add(HealthCommands.CreateHealth(context));
        root.Subcommands.Add(HealthCommands.CreateWhoAmI(context));
        root.Subcommands.Add(TokensCommands.Create(context));
        root.Subcommands.Add(TokensCommands.CreateAuthorize(context));
        root.Subcommands.Add(MspCommands.Create(context));
        root.Subcommands.Add(SessionsCommands.Create(context));
        root.Subcommands.Add(CommandsCommands.Create(context));
        root.Subcommands.Add(CpoCommands.Create(context));
        root.Subcommands.Add(OcpiCommands.Create(context));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine answers a parse error with the help text and exit code 1, which scripts cannot tell
            // from a refusal by the hub: print the errors alone and exit 2, as documented.
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }

            await error.WriteLineAsync($"usage: clearinghouse {string.Join(' ', CommandPath(parse.CommandResult))} --help");
            return 2;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            await error.WriteLineAsync($"error: cannot reach the hub at {parse.GetValue(globals.Hub)} ({ex.Status.Detail}). Is it running? Check --hub.");
            return 3;
        }
        catch (RpcException ex) when (Unreachable(ex.Status.DebugException) is { } reason)
        {
            // The client could not start the call at all (TLS to an h2c port, an HTTP/1.1 server such as the metrics
            // port): Grpc.Net.Client reports that as Internal, but the hub never saw the call.
            await error.WriteLineAsync($"error: cannot reach the hub at {parse.GetValue(globals.Hub)}: {reason}");
            return 3;
        }
        catch (RpcException ex)
        {
            await error.WriteLineAsync($"error: {ex.StatusCode}: {ex.Status.Detail}");
            foreach (var violation in ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations ?? [])
            {
                await error.WriteLineAsync($"  field {violation.Field}: {violation.Description}");
            }

            return 1;
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"error: cannot reach the hub at {parse.GetValue(globals.Hub)}: {Unreachable(ex) ?? ex.Message}");
            return 3;
        }
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult? command)
    {
        var names = new Stack<string>();
        for (var c = command; c is { Parent: not null }; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(c.Command.Name);
        }

        return names;
    }

    // Why a call never reached the hub, in words a person can act on; null when the exception is not a connection failure.
    private static string? Unreachable(Exception? exception)
    {
        var all = new List<Exception>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            all.Add(e);
        }

        if (!all.Any(e => e is HttpRequestException or System.Security.Authentication.AuthenticationException or IOException))
        {
            return null;
        }

        if (all.Any(e => e is System.Security.Authentication.AuthenticationException))
        {
            return "the TLS handshake failed. The hub speaks plain HTTP/2 (h2c) unless it was given a certificate: use http://, not https://.";
        }

        if (all.Any(e => e.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal) || e.Message.Contains("did not complete the HTTP/2 handshake", StringComparison.Ordinal)))
        {
            return "the server there does not speak gRPC (HTTP/2). Is that the metrics port? The hub's gRPC port is Hub:GrpcPort (default 5080).";
        }

        return $"{all[^1].Message} Is it running? Check --hub.";
    }
}
