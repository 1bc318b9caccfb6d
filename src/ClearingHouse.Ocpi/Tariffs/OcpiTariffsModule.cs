using System.Text.Json;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using DomainJson = ClearingHouse.Domain.Tariffs.OcpiJson;

namespace ClearingHouse.Ocpi.Tariffs;

/// <summary>
/// The tariffs module in the hub role, on <see cref="TariffFlow"/> (the gRPC TariffService's core). Receiver interface
/// (a CPO pushes its own tariffs): PUT, DELETE and GET of one tariff. Sender interface (an EMSP pulls): the paged list
/// of the tariffs of the CPOs it has an active agreement with (a CPO gets its own). The core keeps a tariff as OCPI
/// JSON, so the hub stores and answers the CPO's tariff as it was sent (country_code and party_id set to the CPO).
/// </summary>
public static class OcpiTariffsModule
{
    /// <summary>The sender interface's path (EMSPs GET).</summary>
    public const string SenderPath = OcpiVersions.VersionPath + "/tariffs";

    /// <summary>The receiver interface's path (CPOs PUT/DELETE).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/receiver/tariffs";

    /// <summary>Maps both interfaces.</summary>
    public static RouteGroupBuilder MapOcpiTariffs(this RouteGroupBuilder ocpi)
    {
        var receiver = ocpi.MapGroup(ReceiverPath["/ocpi".Length..] + "/{countryCode}/{partyId}/{tariffId}");
        receiver.MapGet("", async (HttpContext context, string countryCode, string partyId, string tariffId, TariffFlow core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "tariffs");
            return results.Ok(ToOcpi((await core.GetAsync(caller.Identity, cpo, tariffId)).Tariff));
        });
        receiver.MapPut("", async (HttpContext context, string countryCode, string partyId, string tariffId, TariffFlow core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "tariffs");
            TariffFlow.RequireTariffId(tariffId);
            var tariff = OcpiDocument.Parse(await OcpiDocument.ReadTextAsync(context.Request), DomainJson.ReadTariff);
            if (!string.Equals(tariff.Id, tariffId, StringComparison.Ordinal))
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"id: '{Shown(tariff.Id)}' differs from the URL's '{Shown(tariffId)}'", "id");
            }

            var (_, created) = await core.PutAsync(caller.Identity, tariff);
            return results.Ok(null, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });
        receiver.MapDelete("", async (HttpContext context, string countryCode, string partyId, string tariffId, TariffFlow core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "tariffs");
            await core.DeleteAsync(caller.Identity, tariffId);
            return results.Ok(null);
        });

        ocpi.MapGet(SenderPath["/ocpi".Length..], (HttpContext context, TariffFlow core, OcpiResults results, IOptions<OcpiOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            var page = OcpiPage.Parse(context.Request, options.Value.MaxPageSize);
            OcpiPageReader<CpoTariff> read = async (after, size, _) =>
            {
                var result = await core.ListAsync(caller.Identity, null, Position(after), size);
                return (result.Tariffs, result.Next is { } n ? $"{n.Cpo}|{n.Id}" : null);
            };
            // The tariffs of a CPO live in one grain each, so counting every match is as cheap as reading them.
            return OcpiPagedList.ServeAsync(context, page, OcpiVersions.Url(options.Value, SenderPath), read, t => t.Tariff.LastUpdated, t => ToOcpi(t.Tariff), results,
                async cancellation =>
                {
                    long total = 0;
                    string? after = null;
                    do
                    {
                        cancellation.ThrowIfCancellationRequested();
                        var (items, next) = await read(after, 1000, cancellation);
                        total += items.Count(t => OcpiPagedList.Fits(t.Tariff.LastUpdated, page));
                        after = next;
                    }
                    while (after is not null);
                    return total;
                });
        });
        return ocpi;
    }

    /// <summary>The OCPI form of a stored tariff: the JSON the CPO sent, as the core keeps it.</summary>
    internal static JsonElement ToOcpi(TariffRecord tariff)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        using var document = JsonDocument.Parse(tariff.OcpiJson);
        return document.RootElement.Clone();
    }

    private static TariffPosition? Position(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var bar = cursor.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && PartyKey.TryParse(cursor[..bar], out var cpo)
            ? new TariffPosition(cpo.Value, cursor[(bar + 1)..])
            : throw new HubException(HubErrorCode.InvalidArgument, "cursor is not one this hub returned", "cursor");
    }

    private static string Shown(string? value) => value is null ? "" : value.Length > 36 ? value[..36] + "..." : value;
}
