using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>tokens put|get|patch|import</c> (for EMSPs) and <c>authorize</c> (for CPOs).</summary>
public static class TokensCommands
{
    private const int MessageSize = 1000;

    /// <summary>Builds the <c>tokens</c> command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var tokens = new Command("tokens", "An EMSP's tokens (OCPI Tokens module)");

        var uid = new Option<string>("--uid") { Description = "The token uid", Required = true };
        var type = TypeOption();
        var contract = new Option<string>("--contract-id") { Description = "The contract id (eMA id)", Required = true };
        var issuer = new Option<string>("--issuer") { Description = "The issuing company", Required = true };
        var whitelist = new Option<string>("--whitelist") { Description = "ALWAYS, ALLOWED, ALLOWED_OFFLINE or NEVER", DefaultValueFactory = _ => "ALLOWED" };
        var invalid = new Option<bool>("--invalid") { Description = "Store the token as not valid (blocked)" };
        var visual = new Option<string?>("--visual-number") { Description = "The number printed on the card" };
        var group = new Option<string?>("--group-id") { Description = "The group id" };
        var put = new Command("put", "Create or replace one of your tokens") { uid, type, contract, issuer, whitelist, invalid, visual, group };
        put.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var me = await CallerAsync(channel, ct);
            var token = new Token
            {
                CountryCode = me.CountryCode,
                PartyId = me.PartyId,
                Uid = r.GetValue(uid)!,
                Type = ParseType(r.GetValue(type)!),
                ContractId = r.GetValue(contract)!,
                Issuer = r.GetValue(issuer)!,
                Whitelist = ParseWhitelist(r.GetValue(whitelist)!),
                Valid = !r.GetValue(invalid),
                VisualNumber = r.GetValue(visual) ?? "",
                GroupId = r.GetValue(group) ?? "",
                LastUpdated = Timestamp.FromDateTime(DateTime.UtcNow),
            };
            var response = await new TokenService.TokenServiceClient(channel).PutTokenAsync(new PutTokenRequest { Token = token }, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintToken(ctx.Printer(r), response, response.Token, response.Created ? "created" : "replaced");
            return 0;
        });

        var getUid = new Option<string>("--uid") { Description = "The token uid", Required = true };
        var getType = TypeOption();
        var get = new Command("get", "Show one of your tokens (the operator may read any)") { getUid, getType };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new TokenService.TokenServiceClient(channel).GetTokenAsync(
                new GetTokenRequest { Uid = r.GetValue(getUid)!, Type = ParseType(r.GetValue(getType)!) }, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintToken(ctx.Printer(r), response, response.Token, null);
            return 0;
        });

        var patchUid = new Option<string>("--uid") { Description = "The token uid", Required = true };
        var patchType = TypeOption();
        var valid = new Option<bool?>("--valid") { Description = "true or false" };
        var patchWhitelist = new Option<string?>("--whitelist") { Description = "ALWAYS, ALLOWED, ALLOWED_OFFLINE or NEVER" };
        var patch = new Command("patch", "Change some fields of one of your tokens") { patchUid, patchType, valid, patchWhitelist };
        patch.SetAction(async (r, ct) =>
        {
            var request = new PatchTokenRequest { Uid = r.GetValue(patchUid)!, Type = ParseType(r.GetValue(patchType)!), LastUpdated = Timestamp.FromDateTime(DateTime.UtcNow) };
            if (r.GetValue(valid) is { } v)
            {
                request.Valid = v;
            }

            if (r.GetValue(patchWhitelist) is { } w)
            {
                request.Whitelist = ParseWhitelist(w);
            }

            using var channel = ctx.Channel(r);
            var response = await new TokenService.TokenServiceClient(channel).PatchTokenAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintToken(ctx.Printer(r), response, response.Token, "patched");
            return 0;
        });

        var file = new Argument<FileInfo>("file") { Description = "A .csv (header: uid,type,contract_id,issuer,whitelist,valid[,visual_number,group_id,language]) or a .json array of OCPI tokens" };
        var import = new Command("import", "Upload a whitelist file in batches (PutTokens)") { file };
        import.SetAction(async (r, ct) =>
        {
            var path = r.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"file '{path.FullName}' does not exist");
            }

            // Read the whole file once before anything is sent: a bad row must not leave half a whitelist uploaded.
            // The second pass streams, so a file of millions of tokens is never held in memory.
            _ = ReadTokens(path, new PartyRef()).Count();
            using var channel = ctx.Channel(r);
            var me = await CallerAsync(channel, ct);
            var clock = Stopwatch.StartNew();
            using var call = new TokenService.TokenServiceClient(channel).PutTokens(deadline: DateTime.UtcNow.AddHours(1), cancellationToken: ct);
            var message = new PutTokensRequest();
            long read = 0;
            foreach (var token in ReadTokens(path, me))
            {
                read++;
                message.Tokens.Add(token);
                if (message.Tokens.Count == MessageSize)
                {
                    await call.RequestStream.WriteAsync(message, ct);
                    message = new PutTokensRequest();
                }
            }

            if (message.Tokens.Count > 0)
            {
                await call.RequestStream.WriteAsync(message, ct);
            }

            await call.RequestStream.CompleteAsync();
            var response = await call;
            var seconds = clock.Elapsed.TotalSeconds;
            ctx.Printer(r).Message(response,
                ("read", read.ToString(CultureInfo.InvariantCulture)),
                ("stored", response.Stored.ToString(CultureInfo.InvariantCulture)),
                ("conflicts", response.Conflicts.ToString(CultureInfo.InvariantCulture)),
                ("elapsed", $"{seconds:0.00} s ({read / Math.Max(seconds, 0.001):0} tokens/s)"));
            foreach (var conflict in response.ConflictSamples)
            {
                ctx.Printer(r).Line($"conflict: {conflict.Type.ToString().ToUpperInvariant()} {conflict.Uid} is owned by another EMSP");
            }

            return 0;
        });

        tokens.Subcommands.Add(put);
        tokens.Subcommands.Add(get);
        tokens.Subcommands.Add(patch);
        tokens.Subcommands.Add(import);
        return tokens;
    }

    /// <summary>Builds the <c>authorize</c> command (a CPO's real-time authorization).</summary>
    public static Command CreateAuthorize(CommandContext ctx)
    {
        var uid = new Option<string>("--uid") { Description = "The token uid presented", Required = true };
        var type = TypeOption();
        var location = new Option<string?>("--location") { Description = "The location id" };
        var evse = new Option<string[]>("--evse") { Description = "EVSE uid at the location (repeatable)", AllowMultipleArgumentsPerToken = true };
        var authorize = new Command("authorize", "As a CPO, ask whether a token may charge (real-time authorization)") { uid, type, location, evse };
        authorize.SetAction(async (r, ct) =>
        {
            var request = new AuthorizeRequest { Uid = r.GetValue(uid)!, Type = ParseType(r.GetValue(type)!) };
            if (r.GetValue(location) is { } loc)
            {
                request.Location = new LocationReferences { LocationId = loc, EvseUids = { r.GetValue(evse) ?? [] } };
            }

            using var channel = ctx.Channel(r);
            var clock = Stopwatch.StartNew();
            var response = await new TokenService.TokenServiceClient(channel).AuthorizeAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
            var a = response.Authorization;
            ctx.Printer(r).Message(response,
                ("allowed", Name(a.Allowed.ToString())),
                ("source", Name(response.Source.ToString())),
                ("reference", a.AuthorizationReference),
                ("token", a.Token is null ? "" : $"{a.Token.CountryCode}-{a.Token.PartyId} {a.Token.Uid} ({Name(a.Token.Whitelist.ToString())})"),
                ("info", a.Info?.Text ?? ""),
                ("elapsed", $"{clock.Elapsed.TotalMilliseconds:0} ms"));
            return 0;
        });
        return authorize;
    }

    internal static Option<string> TypeOption() => new("--type") { Description = "RFID, APP_USER, AD_HOC_USER or OTHER", DefaultValueFactory = _ => "RFID" };

    internal static string Name(string enumName) =>
        string.Concat(enumName.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    internal static TokenType ParseType(string text) => Normalize(text) switch
    {
        "RFID" => TokenType.Rfid,
        "APP_USER" => TokenType.AppUser,
        "AD_HOC_USER" => TokenType.AdHocUser,
        "OTHER" => TokenType.Other,
        _ => throw new UsageException($"token type '{text}' is not RFID, APP_USER, AD_HOC_USER or OTHER"),
    };

    internal static WhitelistType ParseWhitelist(string text) => Normalize(text) switch
    {
        "ALWAYS" => WhitelistType.Always,
        "ALLOWED" => WhitelistType.Allowed,
        "ALLOWED_OFFLINE" => WhitelistType.AllowedOffline,
        "NEVER" => WhitelistType.Never,
        _ => throw new UsageException($"whitelist '{text}' is not ALWAYS, ALLOWED, ALLOWED_OFFLINE or NEVER"),
    };

    private static string Normalize(string text) => text.Trim().Replace('-', '_').ToUpperInvariant();

    private static async Task<PartyRef> CallerAsync(GrpcChannel channel, CancellationToken ct)
    {
        var me = await new IdentityService.IdentityServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), deadline: CommandContext.Deadline, cancellationToken: ct);
        return me.Party ?? throw new UsageException("this command needs an EMSP's credential, not the operator's");
    }

    // The tokens of a .json (an array of OCPI token objects) or .csv file; a problem is a usage error naming the file,
    // the token (array index or line number) and the field.
    private static IEnumerable<Token> ReadTokens(FileInfo file, PartyRef owner)
    {
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        if (file.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            JsonDocument document;
            using (var stream = file.OpenRead())
            {
                try
                {
                    document = JsonDocument.Parse(stream);
                }
                catch (JsonException ex)
                {
                    throw new UsageException($"'{file.Name}' is not valid JSON: {ex.Message}");
                }
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw new UsageException($"'{file.Name}' must hold a JSON array of OCPI tokens");
                }

                var index = 0;
                foreach (var e in document.RootElement.EnumerateArray())
                {
                    Token token;
                    try
                    {
                        token = FromJson(e, owner, now);
                    }
                    catch (UsageException ex)
                    {
                        throw new UsageException($"'{file.Name}' token [{index}]: {ex.Message}");
                    }

                    index++;
                    yield return token;
                }
            }

            yield break;
        }

        using var reader = file.OpenText();
        var header = reader.ReadLine()?.Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray()
            ?? throw new UsageException($"'{file.Name}' is empty");
        var columns = header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);
        foreach (var required in new[] { "uid", "contract_id", "issuer" })
        {
            if (!columns.ContainsKey(required))
            {
                throw new UsageException($"'{file.Name}' has no '{required}' column (header: uid,type,contract_id,issuer,whitelist,valid,...)");
            }
        }

        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            Token token;
            try
            {
                token = FromCsv(line.Split(','), columns, owner, now);
            }
            catch (UsageException ex)
            {
                throw new UsageException($"'{file.Name}' line {lineNumber}: {ex.Message}");
            }

            yield return token;
        }
    }

    private static Token FromJson(JsonElement e, PartyRef owner, Timestamp now)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new UsageException($"is a JSON {e.ValueKind.ToString().ToLowerInvariant()}, not an OCPI token object");
        }

        return new Token
        {
            CountryCode = Text(e, "country_code") ?? owner.CountryCode,
            PartyId = Text(e, "party_id") ?? owner.PartyId,
            Uid = Text(e, "uid") ?? "",
            Type = Field("type", () => ParseType(Text(e, "type") ?? "RFID")),
            ContractId = Text(e, "contract_id") ?? "",
            VisualNumber = Text(e, "visual_number") ?? "",
            Issuer = Text(e, "issuer") ?? "",
            GroupId = Text(e, "group_id") ?? "",
            Valid = !e.TryGetProperty("valid", out var v) || v.ValueKind != JsonValueKind.False,
            Whitelist = Field("whitelist", () => ParseWhitelist(Text(e, "whitelist") ?? "ALLOWED")),
            Language = Text(e, "language") ?? "",
            LastUpdated = Text(e, "last_updated") is { } t ? Format.ParseTime(t, "field last_updated") : now,
        };
    }

    private static Token FromCsv(string[] row, Dictionary<string, int> columns, PartyRef owner, Timestamp now)
    {
        string Cell(string name, string fallback = "") =>
            columns.TryGetValue(name, out var i) && i < row.Length && row[i].Trim().Length > 0 ? row[i].Trim() : fallback;

        return new Token
        {
            CountryCode = owner.CountryCode,
            PartyId = owner.PartyId,
            Uid = Cell("uid"),
            Type = Field("type", () => ParseType(Cell("type", "RFID"))),
            ContractId = Cell("contract_id"),
            Issuer = Cell("issuer"),
            Whitelist = Field("whitelist", () => ParseWhitelist(Cell("whitelist", "ALLOWED"))),
            Valid = !Cell("valid", "true").Equals("false", StringComparison.OrdinalIgnoreCase),
            VisualNumber = Cell("visual_number"),
            GroupId = Cell("group_id"),
            Language = Cell("language"),
            LastUpdated = now,
        };
    }

    private static T Field<T>(string name, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (UsageException ex)
        {
            throw new UsageException($"field {name}: {ex.Message}");
        }
    }

    // A string field, or null when absent; any other JSON kind is an error (a number where a uid belongs).
    private static string? Text(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null ? null
        : p.ValueKind == JsonValueKind.String ? p.GetString()
        : throw new UsageException($"field {name} is a JSON {p.ValueKind.ToString().ToLowerInvariant()}, not a string");

    private static void PrintToken(Printer printer, Google.Protobuf.IMessage response, Token t, string? what)
    {
        var fields = new List<(string, string)>();
        if (what is not null)
        {
            fields.Add(("result", what));
        }

        fields.AddRange(
        [
            ("owner", $"{t.CountryCode}-{t.PartyId}"),
            ("uid", t.Uid),
            ("type", Name(t.Type.ToString())),
            ("contract id", t.ContractId),
            ("issuer", t.Issuer),
            ("valid", t.Valid ? "true" : "false"),
            ("whitelist", Name(t.Whitelist.ToString())),
            ("last updated", Format.Time(t.LastUpdated)),
        ]);
        printer.Message(response, [.. fields]);
    }
}
