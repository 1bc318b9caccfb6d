using System.Globalization;
using System.Text.Json;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using DomainJson = ClearingHouse.Domain.Tariffs.OcpiJson;

namespace ClearingHouse.Ocpi.Cdrs;

/// <summary>
/// The CDRs module in the hub role. Receiver interface (a CPO pushes its CDRs): POST, through the same ingest as the
/// gRPC SubmitCdrBatch (<see cref="CdrIngestor"/>: validated, priced again from the CPO's tariff, flagged on a price
/// mismatch, stored durably and idempotently on the CPO's CDR id, routed to the EMSP's CDR feed), answered with the
/// <c>Location</c> of the stored CDR on the hub; GET of that URL. Sender interface (an EMSP pulls; a CPO gets its own):
/// the paged list (<see cref="CdrFeed"/>). A CDR is answered as the CPO sent it.
/// </summary>
public static class OcpiCdrsModule
{
    /// <summary>The sender interface's path (EMSPs GET).</summary>
    public const string SenderPath = OcpiVersions.VersionPath + "/cdrs";

    /// <summary>The receiver interface's path (CPOs POST; the stored CDR is at <c>{country_code}/{party_id}/{id}</c> below it).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/receiver/cdrs";

    /// <summary>Maps both interfaces.</summary>
    public static RouteGroupBuilder MapOcpiCdrs(this RouteGroupBuilder ocpi)
    {
        var receiver = ReceiverPath["/ocpi".Length..];
        ocpi.MapPost(receiver, async (HttpContext context, CdrIngestor ingestor, OcpiResults results, IOptions<OcpiOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = caller.Identity.RequireParty(PartyRole.Cpo);
            var text = await OcpiDocument.ReadTextAsync(context.Request);
            // Parsed once here only to name a field that does not read in OCPI's terms; the core reads the text itself.
            OcpiDocument.Parse(text, DomainJson.ReadCdr);
            var result = (await ingestor.IngestAsync(caller.Identity, [text], context.RequestAborted))[0];
            if (result.Outcome == CdrOutcome.Rejected)
            {
                var reason = result.Reasons.Count > 0 ? result.Reasons[0] : new("", "rejected");
                var field = reason.Field.Length == 0 ? "body" : reason.Field;
                throw new HubException(HubErrorCode.InvalidArgument, $"{field}: {reason.Message}", field);
            }

            // A repeat of a stored CDR (a retry) changes nothing and answers where the first one is, as OCPI's POST is
            // retried by partners that lost the answer.
            context.Response.Headers.Location = OcpiVersions.Url(options.Value, $"{ReceiverPath}/{cpo.CountryCode}/{cpo.PartyId}/{Uri.EscapeDataString(result.CdrId!)}");
            return results.Ok(null, result.Outcome == CdrOutcome.Accepted ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });
        ocpi.MapGet(receiver + "/{countryCode}/{partyId}/{cdrId}", async (HttpContext context, string countryCode, string partyId, string cdrId, CdrFeed feed, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "CDRs");
            return results.Ok(ToOcpi(await feed.GetAsync(caller.Identity, cpo, cdrId, context.RequestAborted)));
        });

        ocpi.MapGet(SenderPath["/ocpi".Length..], (HttpContext context, CdrFeed feed, OcpiResults results, IOptions<OcpiOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            var page = OcpiPage.Parse(context.Request, options.Value.MaxPageSize);
            if (page.DateFrom is { } from && page.DateTo is { } to && to <= from)
            {
                throw new HubException(HubErrorCode.InvalidArgument, "date_to must be after date_from", "date_to");
            }

            // date_from/date_to select by the CDR's end_date_time (the store's order; see docs/ocpi.md), so every CDR
            // the store returns fits them.
            return OcpiPagedList.ServeAsync<StoredCdr>(
                context, page, OcpiVersions.Url(options.Value, SenderPath),
                async (after, size, cancellation) =>
                {
                    var result = await feed.ListAsync(caller.Identity, new CdrListRequest { From = page.DateFrom, To = page.DateTo, After = Cursor(after), Size = size }, cancellation);
                    return (result.Cdrs, result.Next is { } n ? string.Create(CultureInfo.InvariantCulture, $"{n.EndDateTime.UtcTicks} {n.CpoCountryCode} {n.CpoPartyId} {n.Id}") : null);
                },
                c => c.EndDateTime, c => ToOcpi(c), results,
                cancellation => feed.CountAsync(caller.Identity, new CdrListRequest { From = page.DateFrom, To = page.DateTo, Size = 0 }, cancellation));
        });
        return ocpi;
    }

    /// <summary>The OCPI form of a stored CDR: the JSON the CPO sent.</summary>
    internal static JsonElement ToOcpi(StoredCdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        using var document = JsonDocument.Parse(cdr.OcpiJson);
        return document.RootElement.Clone();
    }

    // CDR ids are printable ASCII without spaces, so a space separates the parts.
    private static CdrCursor? Cursor(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(' ');
        return parts.Length == 4 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new CdrCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1], parts[2], parts[3])
            : throw new HubException(HubErrorCode.InvalidArgument, "cursor is not one this hub returned", "cursor");
    }
}
