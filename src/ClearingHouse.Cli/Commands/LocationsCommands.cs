using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>locations put|get|list|patch|tariff-history</c>.</summary>
public static class LocationsCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var locations = new Command("locations", "OCPI locations (CPOs write their own; EMSPs read those of CPOs they have an agreement with)");

        var file = new Argument<FileInfo>("file") { Description = "A Location as protobuf JSON (fields as in locations.proto, e.g. \"timeZone\", \"evses\")" };
        var put = new Command("put", "Create or replace a location of the calling CPO") { file };
        put.SetAction(async (r, ct) =>
        {
            var location = ProtoJsonFile.Read<Location>(r.GetValue(file)!, "a Location");
            using var channel = ctx.Channel(r);
            var response = await new LocationService.LocationServiceClient(channel).PutLocationAsync(new PutLocationRequest { Location = location }, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            PrintLocation(printer, response.Location, response, response.Applied ? "applied" : "not applied: the hub holds a newer version");
            return 0;
        });

        var cpo = new Option<string>("--cpo") { Description = "The CPO, e.g. NL-ABC-CPO", Required = true };
        var id = new Argument<string>("location-id") { Description = "The location's id" };
        var get = new Command("get", "Show one location with its current EVSE statuses") { cpo, id };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new LocationService.LocationServiceClient(channel).GetLocationAsync(
                new GetLocationRequest { Cpo = CommandContext.ParseParty(r.GetValue(cpo)!, "--cpo"), LocationId = r.GetValue(id)! },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintLocation(ctx.Printer(r), response.Location, response, null);
            return 0;
        });

        var listCpo = new Option<string?>("--cpo") { Description = "Only this CPO's locations" };
        var country = new Option<string?>("--country") { Description = "Only CPOs of this country code (e.g. NL)" };
        var since = new Option<string?>("--updated-since") { Description = "Only locations changed since (ISO 8601 UTC)" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List locations, keyset paged") { listCpo, country, since, pageSize, pageToken };
        list.SetAction(async (r, ct) =>
        {
            var request = new ListLocationsRequest
            {
                CountryCode = r.GetValue(country) ?? "",
                Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" },
            };
            if (r.GetValue(listCpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(since) is { } s)
            {
                request.UpdatedSince = Format.ParseTime(s, "--updated-since");
            }

            using var channel = ctx.Channel(r);
            var response = await new LocationService.LocationServiceClient(channel).ListLocationsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Locations, ["CPO", "ID", "NAME", "CITY", "EVSES", "AVAILABLE", "LAST UPDATED"],
                l => [Format.Party(l.Cpo), l.Id, l.Name, l.City, l.Evses.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    l.Evses.Count(e => e.Status == EvseStatus.Available).ToString(System.Globalization.CultureInfo.InvariantCulture), Format.Time(l.LastUpdated)]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        locations.Subcommands.Add(put);
        locations.Subcommands.Add(get);
        locations.Subcommands.Add(list);
        locations.Subcommands.Add(CreatePatch(ctx));
        locations.Subcommands.Add(CreateTariffHistory(ctx));
        return locations;
    }

    // GetConnectorTariffHistory: what each connector listed in tariff_ids over time (the lists CDR checks judge by).
    private static Command CreateTariffHistory(CommandContext ctx)
    {
        var id = new Argument<string>("location-id") { Description = "The location's id" };
        var cpo = new Option<string?>("--cpo") { Description = "The CPO, e.g. NL-ABC-CPO (a CPO may leave it out for itself)" };
        var evse = new Option<string?>("--evse") { Description = "Only this EVSE (uid)" };
        var connector = new Option<string?>("--connector") { Description = "Only this connector of --evse" };
        var asOf = new Option<string?>("--as-of") { Description = "Also show what each connector listed at this instant (ISO 8601, e.g. 2026-11-02T09:00:00Z)" };
        var history = new Command("tariff-history", "Show what a location's connectors listed in tariff_ids over time (kept for CDR checks)") { id, cpo, evse, connector, asOf };
        history.SetAction(async (r, ct) =>
        {
            var request = new GetConnectorTariffHistoryRequest { LocationId = r.GetValue(id)!, EvseUid = r.GetValue(evse) ?? "", ConnectorId = r.GetValue(connector) ?? "" };
            if (r.GetValue(cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(asOf) is { } at)
            {
                request.AsOf = Format.ParseTime(at, "--as-of");
            }

            using var channel = ctx.Channel(r);
            var response = await new LocationService.LocationServiceClient(channel).GetConnectorTariffHistoryAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Listings, ["EVSE", "CONNECTOR", "SINCE", "UNTIL", "TARIFF IDS"], l =>
                [l.EvseUid, l.ConnectorId, Format.Time(l.Since), l.Until is null ? "now" : Format.Time(l.Until), l.TariffIds.Count == 0 ? "(none)" : string.Join(",", l.TariffIds)]);
            foreach (var a in response.AsOf)
            {
                printer.Line($"as of {r.GetValue(asOf)}: {a.EvseUid}/{a.ConnectorId} " +
                    (!a.Known ? "not known (before everything the hub keeps)" : a.TariffIds.Count == 0 ? "listed no tariff" : $"listed {string.Join(",", a.TariffIds)}"));
            }

            return 0;
        });
        return history;
    }

    // OCPI PATCH of a location (PatchLocation) or, with --evse, of one of its EVSEs (PatchEvse): only the fields given change.
    private static Command CreatePatch(CommandContext ctx)
    {
        var id = new Argument<string>("location-id") { Description = "The location's id" };
        var evse = new Option<string?>("--evse") { Description = "Patch this EVSE (uid) instead of the location: --status, --evse-id, --floor-level, --physical-reference" };
        var name = new Option<string?>("--name") { Description = "New name" };
        var address = new Option<string?>("--address") { Description = "New street address" };
        var city = new Option<string?>("--city") { Description = "New city" };
        var postalCode = new Option<string?>("--postal-code") { Description = "New postal code" };
        var country = new Option<string?>("--country") { Description = "New ISO 3166-1 alpha-3 country (NLD)" };
        var timeZone = new Option<string?>("--time-zone") { Description = "New IANA time zone" };
        var publish = new Option<bool?>("--publish") { Description = "true or false" };
        var status = new Option<string?>("--status") { Description = "With --evse: new status (AVAILABLE, BLOCKED, CHARGING, ...)" };
        var evseId = new Option<string?>("--evse-id") { Description = "With --evse: new EVSE ID (NL*ABC*E1)" };
        var floor = new Option<string?>("--floor-level") { Description = "With --evse: new floor level" };
        var reference = new Option<string?>("--physical-reference") { Description = "With --evse: new physical reference" };
        var at = new Option<string?>("--last-updated") { Description = "When the change happened at the CPO (ISO 8601 UTC; default now). An older patch than the hub holds is not applied" };
        var patch = new Command("patch", "Change some fields of one of your locations, or of one EVSE with --evse (OCPI PATCH)")
        {
            id, evse, name, address, city, postalCode, country, timeZone, publish, status, evseId, floor, reference, at,
        };
        patch.SetAction(async (r, ct) =>
        {
            var lastUpdated = r.GetValue(at) is { } t ? Format.ParseTime(t, "--last-updated") : Timestamp.FromDateTime(DateTime.UtcNow);
            var locationFields = new Option[] { name, address, city, postalCode, country, timeZone, publish };
            var evseFields = new Option[] { status, evseId, floor, reference };
            var given = (Location: locationFields.Where(o => r.GetResult(o) is not null).ToList(), Evse: evseFields.Where(o => r.GetResult(o) is not null).ToList());
            using var channel = ctx.Channel(r);
            var client = new LocationService.LocationServiceClient(channel);
            IMessage response;
            Location location;
            bool applied;
            if (r.GetValue(evse) is { } uid)
            {
                if (given.Location.Count > 0 || given.Evse.Count == 0)
                {
                    throw new UsageException($"with --evse give only EVSE fields (--status, --evse-id, --floor-level, --physical-reference){(given.Location.Count > 0 ? $", not {given.Location[0].Name}" : "")}");
                }

                var request = new PatchEvseRequest { LocationId = r.GetValue(id)!, EvseUid = uid, LastUpdated = lastUpdated };
                if (r.GetValue(status) is { } s)
                {
                    request.Status = StatusCommands.ParseStatus(s, "--status");
                }

                Copy(r, evseId, v => request.EvseId = v);
                Copy(r, floor, v => request.FloorLevel = v);
                Copy(r, reference, v => request.PhysicalReference = v);
                var reply = await client.PatchEvseAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
                (response, location, applied) = (reply, reply.Location, reply.Applied);
            }
            else
            {
                if (given.Evse.Count > 0 || given.Location.Count == 0)
                {
                    throw new UsageException(given.Evse.Count > 0
                        ? $"{given.Evse[0].Name} changes an EVSE: name it with --evse"
                        : "nothing to change: give at least one of --name, --address, --city, --postal-code, --country, --time-zone, --publish (or --evse with EVSE fields)");
                }

                var request = new PatchLocationRequest { LocationId = r.GetValue(id)!, LastUpdated = lastUpdated };
                Copy(r, name, v => request.Name = v);
                Copy(r, address, v => request.Address = v);
                Copy(r, city, v => request.City = v);
                Copy(r, postalCode, v => request.PostalCode = v);
                Copy(r, country, v => request.Country = v);
                Copy(r, timeZone, v => request.TimeZone = v);
                if (r.GetValue(publish) is { } pub)
                {
                    request.Publish = pub;
                }

                var reply = await client.PatchLocationAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
                (response, location, applied) = (reply, reply.Location, reply.Applied);
            }

            PrintLocation(ctx.Printer(r), location, response, applied ? "applied" : "not applied: the hub holds a newer version");
            return 0;
        });
        return patch;
    }

    // An optional field of a patch is sent only when its option was given.
    private static void Copy(ParseResult r, Option<string?> option, Action<string> set)
    {
        if (r.GetValue(option) is { } value)
        {
            set(value);
        }
    }

    /// <summary>The short wire name of an EVSE status (AVAILABLE, CHARGING...).</summary>
    public static string StatusName(EvseStatus status) => status.ToString().ToUpperInvariant();

    private static void PrintLocation(Printer printer, Location l, IMessage response, string? outcome)
    {
        if (printer.Json)
        {
            printer.Message(response);
            return;
        }

        if (outcome is not null)
        {
            printer.Line(outcome);
        }

        printer.Message(response,
            ("cpo", Format.Party(l.Cpo)),
            ("id", l.Id),
            ("name", l.Name),
            ("address", $"{l.Address}, {l.PostalCode} {l.City}, {l.Country}"),
            ("coordinates", $"{l.Coordinates?.Latitude},{l.Coordinates?.Longitude}"),
            ("time zone", l.TimeZone),
            ("last updated", Format.Time(l.LastUpdated)));
        printer.Table(response, l.Evses, ["EVSE", "EVSE ID", "STATUS", "CONNECTORS", "LAST UPDATED"],
            e => [e.Uid, e.EvseId, StatusName(e.Status), string.Join(" ", e.Connectors.Select(c => $"{c.Id}:{c.Standard}/{c.PowerType}/{c.MaxElectricPower}W")), Format.Time(e.LastUpdated)]);
    }
}
