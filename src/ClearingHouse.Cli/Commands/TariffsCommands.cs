using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>tariffs put|get|list|delete|history|price|applicable</c>.</summary>
public static class TariffsCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var tariffs = new Command("tariffs", "CPO tariffs (OCPI 2.2.1 Tariff JSON) and the hub's pricing");

        var putFile = new Argument<string>("file") { Description = "An OCPI 2.2.1 Tariff JSON file" };
        var put = new Command("put", "Create or replace one of your tariffs (CPO)") { putFile };
        put.SetAction(async (r, ct) =>
        {
            var json = ReadFile(r.GetValue(putFile)!);
            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).PutTariffAsync(new PutTariffRequest { OcpiJson = json }, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response, ("tariff", response.Tariff.Id), ("cpo", Format.Party(response.Tariff.Cpo)), ("currency", response.Tariff.Currency),
                ("last updated", Format.Time(response.Tariff.LastUpdated)), ("created", response.Created ? "yes" : "no (replaced)"));
            return 0;
        });

        var getId = new Argument<string>("tariff-id") { Description = "The tariff id" };
        var getCpo = new Option<string?>("--cpo") { Description = "The CPO that owns it, e.g. NL-ABC-CPO (a CPO may omit it)" };
        var getAsOf = new Option<string?>("--as-of") { Description = "The version in force at this instant (ISO 8601, e.g. 2026-12-01T12:00:00Z) instead of the current one" };
        var get = new Command("get", "Show one tariff and its OCPI JSON") { getId, getCpo, getAsOf };
        get.SetAction(async (r, ct) =>
        {
            var request = new GetTariffRequest { TariffId = r.GetValue(getId)! };
            if (r.GetValue(getCpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(getAsOf) is { } asOf)
            {
                request.AsOf = Format.ParseTime(asOf, "--as-of");
            }

            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).GetTariffAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response, ("tariff", response.Tariff.Id), ("cpo", Format.Party(response.Tariff.Cpo)), ("currency", response.Tariff.Currency),
                ("last updated", Format.Time(response.Tariff.LastUpdated)), ("ocpi json", response.Tariff.OcpiJson));
            return 0;
        });

        var listCpo = new Option<string?>("--cpo") { Description = "Only this CPO's tariffs" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List the tariffs you may see (a CPO its own, an EMSP its partners')") { listCpo, pageSize, pageToken };
        list.SetAction(async (r, ct) =>
        {
            var request = new ListTariffsRequest { Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" } };
            if (r.GetValue(listCpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).ListTariffsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Tariffs, ["CPO", "TARIFF", "CURRENCY", "LAST UPDATED"],
                t => [Format.Party(t.Cpo), t.Id, t.Currency, Format.Time(t.LastUpdated)]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        var deleteId = new Argument<string>("tariff-id") { Description = "The id of your tariff to delete" };
        var delete = new Command("delete", "Delete one of your tariffs (CPO)") { deleteId };
        delete.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).DeleteTariffAsync(new DeleteTariffRequest { TariffId = r.GetValue(deleteId)! }, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response, ("deleted", r.GetValue(deleteId)!));
            return 0;
        });

        tariffs.Subcommands.Add(put);
        tariffs.Subcommands.Add(get);
        tariffs.Subcommands.Add(list);
        tariffs.Subcommands.Add(delete);
        tariffs.Subcommands.Add(CreateHistory(ctx));
        tariffs.Subcommands.Add(CreatePrice(ctx));
        tariffs.Subcommands.Add(CreateApplicable(ctx));
        return tariffs;
    }

    private static Command CreateHistory(CommandContext ctx)
    {
        var id = new Argument<string>("tariff-id") { Description = "The tariff id" };
        var cpo = new Option<string?>("--cpo") { Description = "The CPO that owns it, e.g. NL-ABC-CPO (a CPO may omit it)" };
        var history = new Command("history", "List every version of a tariff the hub keeps, oldest first (CDRs are priced with the version in force when their session started)") { id, cpo };
        history.SetAction(async (r, ct) =>
        {
            var request = new ListTariffVersionsRequest { TariffId = r.GetValue(id)! };
            if (r.GetValue(cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).ListTariffVersionsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Table(response, response.Versions, ["LAST UPDATED", "TARIFF", "CURRENCY", "ACTIVE FROM", "ACTIVE UNTIL"],
                v => [Format.Time(v.LastUpdated), v.Id, v.Currency, Format.Time(v.Typed?.StartDateTime), Format.Time(v.Typed?.EndDateTime)]);
            return 0;
        });
        return history;
    }

    private static Command CreatePrice(CommandContext ctx)
    {
        var session = new Argument<string>("session-file") { Description = "An OCPI CDR or Session JSON file (start, end, charging periods)" };
        var tariffFile = new Option<string?>("--tariff") { Description = "Price locally with this OCPI Tariff JSON file (no hub needed)" };
        var tariffId = new Option<string?>("--tariff-id") { Description = "Price on the hub with this stored tariff" };
        var cpo = new Option<string?>("--cpo") { Description = "With --tariff-id: the CPO that owns it (a CPO may omit it)" };
        var zone = new Option<string?>("--time-zone") { Description = "IANA time zone of the location (default UTC)" };
        var price = new Command("price", "Price a session with a tariff and print the breakdown (locally with --tariff, or on the hub with --tariff-id)")
        {
            session, tariffFile, tariffId, cpo, zone,
        };
        price.SetAction(async (r, ct) =>
        {
            var sessionJson = ReadFile(r.GetValue(session)!);
            var printer = ctx.Printer(r);
            if (r.GetValue(tariffFile) is { } file)
            {
                if (r.GetValue(tariffId) is not null)
                {
                    throw new UsageException("give either --tariff (local) or --tariff-id (hub), not both");
                }

                PrintBreakdown(printer, PriceLocally(ReadFile(file), sessionJson, r.GetValue(zone)));
                return 0;
            }

            var request = new PriceSessionRequest
            {
                TariffId = r.GetValue(tariffId) ?? throw new UsageException("give --tariff FILE (local) or --tariff-id ID (hub)"),
                SessionJson = sessionJson,
                TimeZone = r.GetValue(zone) ?? "",
            };
            if (r.GetValue(cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).PriceSessionAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintBreakdown(printer, response.Breakdown);
            return 0;
        });
        return price;
    }

    /// <summary>Prices with the Domain engine, exactly as the hub does, and returns the wire form.</summary>
    private static PriceBreakdown PriceLocally(string tariffJson, string sessionJson, string? zoneId)
    {
        Domain.Tariffs.Tariff tariff;
        ChargingSession parsed;
        try
        {
            tariff = OcpiJson.ReadTariff(tariffJson);
            parsed = ChargingSession.Read(sessionJson);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"cannot read the JSON: {ex.Message}");
        }

        var errors = TariffValidator.Validate(tariff);
        if (errors.Count > 0)
        {
            throw new UsageException("the tariff is not valid: " + string.Join("; ", errors.Select(e => $"{e.Field} {e.Message}")));
        }

        var timeZone = TimeZoneInfo.Utc;
        if (zoneId is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out timeZone))
        {
            throw new UsageException($"'{zoneId}' is not a known IANA time zone");
        }

        var result = TariffPricer.Price(tariff, parsed.StartDateTime, parsed.EndDateTime, parsed.ChargingPeriods, timeZone!);
        static Contracts.V1.Price P(Cost c, string cur) => new() { ExclVat = D(c.ExclVat), InclVat = D(c.InclVat), Currency = cur };
        static Contracts.V1.DimensionCharge Dim(Domain.Tariffs.DimensionCharge d, string cur) => new() { Volume = D(d.Volume), BilledVolume = D(d.BilledVolume), Cost = P(d.Cost, cur) };
        var cur = result.Currency;
        return new PriceBreakdown
        {
            Currency = cur,
            Energy = Dim(result.Energy, cur),
            Time = Dim(result.Time, cur),
            ParkingTime = Dim(result.ParkingTime, cur),
            Flat = Dim(result.Flat, cur),
            Reservation = Dim(result.Reservation, cur),
            TotalTime = D(result.TotalTime),
            Subtotal = P(result.Subtotal, cur),
            Total = P(result.Total, cur),
            MinPriceApplied = result.MinPriceApplied,
            MaxPriceApplied = result.MaxPriceApplied,
            ReservationExpired = result.ReservationExpired,
        };
    }

    /// <summary>Prints a breakdown as a table (or JSON).</summary>
    public static void PrintBreakdown(Printer printer, PriceBreakdown b)
    {
        var rows = new (string Name, Contracts.V1.DimensionCharge Charge)[]
        {
            ("ENERGY (kWh)", b.Energy), ("TIME (h)", b.Time), ("PARKING_TIME (h)", b.ParkingTime), ("FLAT", b.Flat), ("RESERVATION (h)", b.Reservation),
        };
        printer.Table(b, rows, ["DIMENSION", "VOLUME", "BILLED", "EXCL VAT", "INCL VAT"],
            x => [x.Name, x.Charge.Volume, x.Charge.BilledVolume, x.Charge.Cost.ExclVat, x.Charge.Cost.InclVat]);
        printer.Line($"subtotal  {b.Subtotal.ExclVat} / {b.Subtotal.InclVat} {b.Currency} (excl. / incl. VAT)");
        var limits = (b.MinPriceApplied ? " min_price applied" : "") + (b.MaxPriceApplied ? " max_price applied" : "");
        printer.Line($"total     {b.Total.ExclVat} / {b.Total.InclVat} {b.Currency}{limits}");
        printer.Line($"session   {b.TotalTime} h");
        if (b.TariffLastUpdated is { } version)
        {
            printer.Line($"tariff    {b.TariffId} of {Format.Time(version)} ({b.TariffVersionNote})");
        }

        if (b.TimeZone.Length > 0)
        {
            printer.Line($"time zone {b.TimeZone}{(b.TimeZoneNote.Length > 0 ? $" ({b.TimeZoneNote})" : "")}");
        }
    }

    /// <summary>Reads a file a command names; a usage error when it cannot.</summary>
    public static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read '{path}': {ex.Message}");
        }
    }

    private static string D(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static Command CreateApplicable(CommandContext ctx)
    {
        var location = new Argument<string>("location-id") { Description = "The location" };
        var cpo = new Option<string?>("--cpo") { Description = "The CPO of the location (a CPO may omit it)" };
        var evse = new Option<string?>("--evse") { Description = "Only this EVSE uid" };
        var connector = new Option<string?>("--connector") { Description = "Only this connector id (needs --evse)" };
        var applicable = new Command("applicable", "The tariffs that apply at a location, EVSE or connector") { location, cpo, evse, connector };
        applicable.SetAction(async (r, ct) =>
        {
            var request = new GetApplicableTariffsRequest { LocationId = r.GetValue(location)!, EvseUid = r.GetValue(evse) ?? "", ConnectorId = r.GetValue(connector) ?? "" };
            if (r.GetValue(cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            using var channel = ctx.Channel(r);
            var response = await new TariffService.TariffServiceClient(channel).GetApplicableTariffsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Connectors, ["EVSE", "CONNECTOR", "TARIFF IDS"], x => [x.EvseUid, x.ConnectorId, string.Join(",", x.TariffIds)]);
            if (!printer.Json)
            {
                foreach (var t in response.Tariffs)
                {
                    printer.Line($"tariff {t.Id} {t.Currency} last updated {Format.Time(t.LastUpdated)}");
                }

                foreach (var id in response.MissingTariffIds)
                {
                    printer.Line($"tariff {id} named by a connector but not stored by the CPO");
                }

                printer.Line($"time zone {response.TimeZone}");
            }

            return 0;
        });
        return applicable;
    }
}
