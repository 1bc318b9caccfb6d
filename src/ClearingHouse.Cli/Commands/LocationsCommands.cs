using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>locations put|get|list</c>.</summary>
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
            var path = r.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"file {path.FullName} does not exist");
            }

            Location location;
            try
            {
                location = JsonParser.Default.Parse<Location>(await File.ReadAllTextAsync(path.FullName, ct));
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new UsageException($"{path.Name} is not a Location in protobuf JSON: {ex.Message}");
            }

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
        return locations;
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
