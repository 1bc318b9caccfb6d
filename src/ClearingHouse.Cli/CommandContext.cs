using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using Grpc.Core;
using Grpc.Net.Client;
using DomainRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Cli;

/// <summary>What a command needs at run time: a channel to the hub with the caller's credential, and a printer.</summary>
public sealed class CommandContext(GlobalOptions globals, TextWriter output)
{
    /// <summary>The options every command takes.</summary>
    public GlobalOptions Globals { get; } = globals;

    /// <summary>Standard output, for commands that write a format of their own (CSV).</summary>
    public TextWriter Output { get; } = output;

    /// <summary>A printer for the command's output format.</summary>
    public Printer Printer(ParseResult parse) => new(Output, parse.GetValue(Globals.Json));

    /// <summary>A channel to the hub that sends the caller's credential on every call.</summary>
    public GrpcChannel Channel(ParseResult parse, bool requireCredential = true)
    {
        var hub = parse.GetValue(Globals.Hub)!;
        if (!Uri.TryCreate(hub, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new UsageException($"--hub '{hub}' is not an http:// or https:// address");
        }

        var secret = ResolveCredential(parse);
        if (secret is null && requireCredential)
        {
            throw new UsageException("no credential: pass --credential, set CLEARINGHOUSE_CREDENTIAL, or pass --credential-file (default ./data/operator.credential)");
        }

        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (secret is not null)
            {
                metadata.Add("authorization", $"Bearer {secret}");
            }

            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(uri.Scheme == "https" ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, credentials),
            UnsafeUseInsecureChannelCallCredentials = uri.Scheme == "http",
        });
    }

    /// <summary>Parses <c>NL-ABC-CPO</c> into a party reference.</summary>
    public static PartyRef ParseParty(string text, string name)
    {
        if (!PartyKey.TryParse(text, out var key))
        {
            throw new UsageException($"{name} '{text}' is not a party: write COUNTRY-PARTY-ROLE, for example NL-ABC-CPO or DE-XYZ-EMSP");
        }

        return new PartyRef
        {
            CountryCode = key.Value.CountryCode,
            PartyId = key.Value.PartyId,
            Role = key.Value.Role == DomainRole.Cpo ? Contracts.V1.PartyRole.Cpo : Contracts.V1.PartyRole.Emsp,
        };
    }

    /// <summary>The deadline of one call.</summary>
    public static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    private string? ResolveCredential(ParseResult parse)
    {
        if (parse.GetResult(Globals.Credential) is { Implicit: false } && string.IsNullOrWhiteSpace(parse.GetValue(Globals.Credential)))
        {
            // Most often an unset shell variable (--credential "$CPO"): acting as the operator instead would be a surprise.
            throw new UsageException("--credential is empty (an unset variable?)");
        }

        var secret = parse.GetValue(Globals.Credential) ?? Environment.GetEnvironmentVariable("CLEARINGHOUSE_CREDENTIAL");
        if (!string.IsNullOrWhiteSpace(secret))
        {
            return secret.Trim();
        }

        var file = parse.GetValue(Globals.CredentialFile);
        if (file is null)
        {
            var fallback = Path.Combine("data", "operator.credential");
            return File.Exists(fallback) ? File.ReadAllText(fallback).Trim() : null;
        }

        return File.Exists(file) ? File.ReadAllText(file).Trim() : throw new UsageException($"--credential-file '{file}' does not exist");
    }
}
