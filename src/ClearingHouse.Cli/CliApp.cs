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
        root.Subcommands.Add(OpsCommands.Create(context));
        root.Subcommands.Add(HealthCommands.CreateHealth(context));
        root.Subcommands.Add(HealthCommands.CreateWhoAmI(context));
        root.Subcommands.Add(TokensCommands.Create(context));
        root.Subcommands.Add(TokensCommands.CreateAuthorize(context));
        root.Subcommands.Add(MspCommands.Create(context));
        root.Subcommands.Add(SessionsCommands.Create(context));
        root.Subcommands.Add(CommandsCommands.Create(context));
        root.Subcommands.Add(CpoCommands.Create(context));

        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            await error.WriteLineAsync($"error: cannot reach the hub ({ex.Status.Detail}). Is it running? Check --hub.");
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
            await error.WriteLineAsync($"error: cannot reach the hub ({ex.Message}). Is it running? Check --hub.");
            return 3;
        }
    }
}
