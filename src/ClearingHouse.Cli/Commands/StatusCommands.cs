using System.CommandLine;
using System.Globalization;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>status send|watch</c>.</summary>
public static class StatusCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var status = new Command("status", "Real-time EVSE status: send as a CPO, watch as an EMSP or operator");

        var file = new Option<FileInfo?>("--file") { Description = "Lines of 'location-id evse-uid STATUS [ISO-8601 time]' (time defaults to now)" };
        var location = new Option<string?>("--location") { Description = "Generate updates for this location" };
        var evses = new Option<string?>("--evses") { Description = "Generate: comma-separated EVSE uids" };
        var count = new Option<int>("--count") { Description = "Generate: how many updates (default 10)", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "Updates per stream message (default 100)", DefaultValueFactory = _ => 100 };
        var send = new Command("send", "Stream status updates (from a file, or generated) and print the hub's summary") { file, location, evses, count, batch };
        send.SetAction(async (r, ct) =>
        {
            var updates = r.GetValue(file) is { } f ? await ReadFileAsync(f, ct) : Generate(r.GetValue(location), r.GetValue(evses), r.GetValue(count));
            var size = Math.Max(1, r.GetValue(batch));
            using var channel = ctx.Channel(r);
            using var call = new LocationService.LocationServiceClient(channel).StreamStatusUpdates(cancellationToken: ct);
            foreach (var chunk in updates.Chunk(size))
            {
                var message = new StreamStatusUpdatesRequest();
                message.Updates.AddRange(chunk);
                await call.RequestStream.WriteAsync(message, ct);
            }

            await call.RequestStream.CompleteAsync();
            var summary = await call.ResponseAsync;
            var printer = ctx.Printer(r);
            printer.Message(summary,
                ("messages", summary.Messages.ToString(CultureInfo.InvariantCulture)),
                ("accepted", summary.Accepted.ToString(CultureInfo.InvariantCulture)),
                ("stale", summary.Stale.ToString(CultureInfo.InvariantCulture)),
                ("rejected", summary.Rejected.ToString(CultureInfo.InvariantCulture)));
            if (!printer.Json)
            {
                foreach (var x in summary.Rejections)
                {
                    printer.Line($"  rejected message {x.MessageIndex} update {x.UpdateIndex} ({x.LocationId}/{x.EvseUid}): {x.Reason}: {x.Detail}");
                }
            }

            // As cdrs submit: any rejected update fails the command so a script notices; the others were applied (stale
            // ones are not errors: the hub already holds a newer status).
            return summary.Rejected > 0 ? 1 : 0;
        });

        var cpos = new Option<string[]>("--cpo") { Description = "Only these CPOs (repeatable)", AllowMultipleArgumentsPerToken = true };
        var countries = new Option<string[]>("--country") { Description = "Only CPOs of these country codes (repeatable)" };
        var locations = new Option<string[]>("--location") { Description = "Only these location ids (repeatable)" };
        var cursor = new Option<string?>("--cursor") { Description = "Resume from this cursor (printed with every batch)" };
        var max = new Option<int>("--max-events") { Description = "Stop after this many events (default: run until Ctrl+C)" };
        var watch = new Command("watch", "Subscribe to live EVSE status changes and print them") { cpos, countries, locations, cursor, max };
        watch.SetAction(async (r, ct) =>
        {
            var request = new SubscribeStatusRequest { ResumeCursor = r.GetValue(cursor) ?? "" };
            foreach (var c in r.GetValue(cpos) ?? [])
            {
                request.Cpos.Add(CommandContext.ParseParty(c, "--cpo"));
            }

            request.CountryCodes.AddRange(r.GetValue(countries) ?? []);
            request.LocationIds.AddRange(r.GetValue(locations) ?? []);
            var limit = r.GetValue(max);
            var printer = ctx.Printer(r);
            using var channel = ctx.Channel(r);
            using var call = new LocationService.LocationServiceClient(channel).SubscribeStatus(request, cancellationToken: ct);
            return await StreamWatch.RunAsync(call.ResponseStream, printer, limit, static m => m.Batch?.Events.Count ?? 0, m =>
            {
                switch (m.KindCase)
                {
                    case SubscribeStatusResponse.KindOneofCase.SubscribedCursor:
                        printer.Line($"subscribed; cursor {m.SubscribedCursor}");
                        break;
                    case SubscribeStatusResponse.KindOneofCase.ResyncRequired:
                        printer.Line($"RESYNC REQUIRED for {string.Join(", ", m.ResyncRequired.Cpos.Select(Format.Party))}: fetch 'locations list', then continue; cursor {m.ResyncRequired.Cursor}");
                        break;
                    default:
                        foreach (var e in m.Batch.Events)
                        {
                            var delay = DateTime.UtcNow - e.HubReceivedAt.ToDateTime();
                            printer.Line($"#{e.Sequence} {Format.Party(e.Cpo)} {e.LocationId}/{e.EvseUid} {LocationsCommands.StatusName(e.Status)} at {Format.Time(e.LastUpdated)} (hub +{delay.TotalMilliseconds:0} ms)");
                        }

                        printer.Line($"cursor {m.Batch.Cursor}");
                        break;
                }
            }, ct);
        });

        status.Subcommands.Add(send);
        status.Subcommands.Add(watch);
        return status;
    }

    private static async Task<List<StatusUpdate>> ReadFileAsync(FileInfo file, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new UsageException($"file {file.FullName} does not exist");
        }

        var result = new List<StatusUpdate>();
        var n = 0;
        foreach (var line in await File.ReadAllLinesAsync(file.FullName, ct))
        {
            n++;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#'))
            {
                continue;
            }

            if (parts.Length is < 3 or > 4)
            {
                throw new UsageException($"{file.Name} line {n}: write 'location-id evse-uid STATUS [time]'");
            }

            result.Add(new StatusUpdate
            {
                LocationId = parts[0],
                EvseUid = parts[1],
                Status = ParseStatus(parts[2], $"{file.Name} line {n}"),
                LastUpdated = parts.Length == 4 ? Format.ParseTime(parts[3], $"{file.Name} line {n}") : Timestamp.FromDateTime(DateTime.UtcNow),
            });
        }

        return result;
    }

    private static List<StatusUpdate> Generate(string? location, string? evses, int count)
    {
        if (location is null || evses is null)
        {
            throw new UsageException("pass --file, or --location and --evses to generate updates");
        }

        var uids = evses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var statuses = new[] { EvseStatus.Available, EvseStatus.Charging, EvseStatus.Blocked, EvseStatus.Reserved };
        var start = DateTime.UtcNow.AddMilliseconds(-count);
        return [.. Enumerable.Range(0, Math.Max(0, count)).Select(i => new StatusUpdate
        {
            LocationId = location,
            EvseUid = uids[i % uids.Length],
            Status = statuses[Random.Shared.Next(statuses.Length)],
            LastUpdated = Timestamp.FromDateTime(start.AddMilliseconds(i)),
        })];
    }

    internal static EvseStatus ParseStatus(string text, string where) =>
        System.Enum.TryParse<EvseStatus>(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var s) && s != EvseStatus.Unspecified
            ? s
            : throw new UsageException($"{where}: '{text}' is not an EVSE status (AVAILABLE, BLOCKED, CHARGING, INOPERATIVE, OUTOFORDER, PLANNED, REMOVED, RESERVED, UNKNOWN)");
}
