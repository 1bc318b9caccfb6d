using System.Collections.Concurrent;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Diagnostics;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>An authenticated OCPI caller: the same <see cref="CallerIdentity"/> a gRPC call of the party gets, and the token kind.</summary>
/// <param name="Identity">The party's identity for every access decision of the core.</param>
/// <param name="Kind">TOKEN_A (registration only) or TOKEN_C.</param>
/// <param name="TokenHash">The hash of the token presented (the credentials module checks it again when it writes).</param>
public sealed record OcpiCaller(CallerIdentity Identity, OcpiTokenKind Kind, byte[] TokenHash)
{
    /// <summary>The calling party (an OCPI caller is always a party, never the operator).</summary>
    public Domain.Parties.PartyKey Party => Identity.Party!.Value;
}

/// <summary>
/// Turns an OCPI <c>Authorization: Token</c> header into an <see cref="OcpiCaller"/>. The identity is the party's,
/// as for its gRPC credentials (credential id <c>ocpi-{token id}</c>), so <see cref="AccessPolicy"/> decides the same
/// for both. A checked token is trusted for <see cref="IdentityOptions.CacheTtl"/>; a suspended party is refused on
/// every call (read from the silo's <see cref="PartyDirectory"/>), as over gRPC.
/// </summary>
public sealed class OcpiAuthenticator(IGrainFactory grains, PartyDirectory directory, HubClock clock, HubMetrics metrics, IOptions<IdentityOptions> options)
{
    private const int MaxCached = 100_000;
    private readonly ConcurrentDictionary<string, (OcpiCaller Caller, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>The caller; Unauthenticated for a missing, malformed or unknown token, PermissionDenied for a suspended party.</summary>
    public async ValueTask<OcpiCaller> AuthenticateAsync(string? authorization)
    {
        var now = clock.UtcNow;
        if (authorization is not null && _cache.TryGetValue(authorization, out var cached) && cached.Until > now)
        {
            return await RequireActiveAsync(cached.Caller);
        }

        var token = OcpiToken.FromHeader(authorization);
        if (token is null)
        {
            throw Fail(authorization is null ? "missing" : "malformed", "missing or malformed 'Authorization: Token <credentials token>' header");
        }

        if ((await directory.GetAsync()).GetParty(token.Party) is null)
        {
            throw Fail("unknown", "unknown credentials token");
        }

        var hash = token.Hash();
        var check = await grains.GetGrain<IOcpiPartnerGrain>(token.Party.ToString()).Check(hash);
        if (check.Kind == OcpiTokenKind.None)
        {
            throw Fail("unknown", "unknown credentials token");
        }

        var caller = new OcpiCaller(new CallerIdentity(token.Party, "ocpi-" + token.Id), check.Kind, hash);
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[authorization!] = (caller, now + options.Value.CacheTtl);
        return await RequireActiveAsync(caller);
    }

    /// <summary>Forgets every cached check, after a registration changed through this silo.</summary>
    public void Invalidate() => _cache.Clear();

    private HubException Fail(string reason, string message)
    {
        metrics.AuthenticationFailed("ocpi-" + reason);
        return new HubException(HubErrorCode.Unauthenticated, message);
    }

    private async ValueTask<OcpiCaller> RequireActiveAsync(OcpiCaller caller)
    {
        if ((await directory.GetAsync()).GetParty(caller.Party)?.Status != PartyStatus.Active)
        {
            metrics.AuthenticationFailed("ocpi-suspended");
            throw new HubException(HubErrorCode.PermissionDenied, $"party {caller.Party} is suspended");
        }

        return caller;
    }
}
