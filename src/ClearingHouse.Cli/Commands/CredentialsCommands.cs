using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>credentials issue|rotate|revoke|list</c>.</summary>
public static class CredentialsCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var credentials = new Command("credentials", "Issue, rotate, revoke and list a party's credentials");

        var issueParty = PartiesCommands.PartyArgument();
        var readOnly = new Option<bool>("--read-only") { Description = "With party 'operator': a read-only operator credential (reads everything, changes nothing)" };
        var issue = new Command("issue", "Issue a credential; its secret is printed once. Party 'operator': an operator credential") { issueParty, readOnly };
        issue.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var party = OwnerOf(r.GetValue(issueParty)!);
            if (party is not null && r.GetValue(readOnly))
            {
                throw new UsageException("--read-only applies only to an operator credential: credentials issue operator --read-only");
            }

            var response = await new PartyAdminService.PartyAdminServiceClient(channel).IssueCredentialAsync(
                new IssueCredentialRequest { Party = party, ReadOnly = r.GetValue(readOnly) },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintSecret(ctx.Printer(r), response, response.Credential, response.Secret);
            return 0;
        });

        var rotateParty = PartiesCommands.PartyArgument();
        var rotateId = IdArgument();
        var rotate = new Command("rotate", "Replace a credential; the old one works until its grace period ends") { rotateParty, rotateId };
        rotate.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).RotateCredentialAsync(
                new RotateCredentialRequest { Party = CommandContext.ParseParty(r.GetValue(rotateParty)!, "party"), CredentialId = r.GetValue(rotateId)! },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            PrintSecret(printer, response, response.Credential, response.Secret);
            printer.Line($"previous {response.Previous.CredentialId} keeps working until {Format.Time(response.Previous.ExpiresAt)}");
            return 0;
        });

        var revokeParty = PartiesCommands.PartyArgument();
        var revokeId = IdArgument();
        var revoke = new Command("revoke", "Revoke a credential at once") { revokeParty, revokeId };
        revoke.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).RevokeCredentialAsync(
                new RevokeCredentialRequest { Party = OwnerOf(r.GetValue(revokeParty)!), CredentialId = r.GetValue(revokeId)! },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response.Credential,
                ("credential", response.Credential.CredentialId),
                ("status", response.Credential.Status.ToString().ToUpperInvariant()),
                ("revoked", Format.Time(response.Credential.RevokedAt)));
            return 0;
        });

        var listParty = PartiesCommands.PartyArgument();
        var list = new Command("list", "List a party's credentials (never their secrets)") { listParty };
        list.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).ListCredentialsAsync(
                new ListCredentialsRequest { Party = OwnerOf(r.GetValue(listParty)!) },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            if (OwnerOf(r.GetValue(listParty)!) is null)
            {
                ctx.Printer(r).Table(response, response.Credentials, ["CREDENTIAL", "STATUS", "ROLE", "ISSUED", "REVOKED"],
                    c => [c.CredentialId, c.Status.ToString().ToUpperInvariant(), Role(c), Format.Time(c.IssuedAt), Format.Time(c.RevokedAt)]);
                return 0;
            }

            ctx.Printer(r).Table(response, response.Credentials, ["CREDENTIAL", "STATUS", "ISSUED", "EXPIRES", "REVOKED", "REPLACED BY"],
                c => [c.CredentialId, c.Status.ToString().ToUpperInvariant(), Format.Time(c.IssuedAt), Format.Time(c.ExpiresAt), Format.Time(c.RevokedAt), c.ReplacedBy]);
            return 0;
        });

        credentials.Subcommands.Add(issue);
        credentials.Subcommands.Add(rotate);
        credentials.Subcommands.Add(revoke);
        credentials.Subcommands.Add(list);
        return credentials;
    }

    // "operator" names the hub's operator credentials: the request then carries no party.
    private static PartyRef? OwnerOf(string text) =>
        text == "operator" ? null : CommandContext.ParseParty(text, "party");

    private static string Role(Credential c) => c.Party is not null ? "" : c.ReadOnly ? "READ-ONLY" : "FULL";

    private static Argument<string> IdArgument() => new("credential-id") { Description = "The 12-character credential id" };

    private static void PrintSecret(Printer printer, Google.Protobuf.IMessage response, Credential credential, string secret) => printer.Message(response,
        ("party", credential.Party is null ? $"operator ({Role(credential)})" : Format.Party(credential.Party)),
        ("credential", credential.CredentialId),
        ("status", credential.Status.ToString().ToUpperInvariant()),
        ("secret", secret),
        ("note", "the secret is shown only now; the hub keeps only its hash"));
}
