using System.Collections.Concurrent;
using ClearingHouse.Application.Diagnostics;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Access;

/// <summary>
/// Turns a bearer secret into a <see cref="CallerIdentity"/>. A credential checked by its party's
/// credentials grain is trusted by this silo for <see cref="IdentityOptions.CacheTtl"/> (never past
/// a rotated credential's expiry), so the hot path costs a dictionary lookup. The party's status is
/// read from the silo's <see cref="PartyDirectory"/> on every call, so a suspension applies as soon
/// as the directory sees it. Refusals are <see cref="HubException"/>s (Unauthenticated, PermissionDenied), so
/// every edge maps them the same way. A stream that stays open after this check is watched by <see cref="LiveAccess"/>.
/// </summary>
public sealed class IdentityResolver(
    IGrainFactory grains,
    PartyDirectory directory,
    IOperatorCredential operatorCredential,
    HubClock clock,
    HubMetrics metrics,
    IOptions<IdentityOptions> options)
{
    // Bounded: a flood of distinct valid secrets cannot grow it without limit.
    private const int MaxCachedCredentials = 100_000;
    private readonly ConcurrentDictionary<string, CachedCheck> _cache = new(StringComparer.Ordinal);

    /// <summary>Resolves the <c>authorization</c> header value; throws Unauthenticated or PermissionDenied.</summary>
    public async ValueTask<CallerIdentity> ResolveAsync(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw Fail(HubErrorCode.Unauthenticated, "missing 'authorization: Bearer <credential>' header", "missing");
        }

        // The hot path: a header seen within the cache time costs one lookup here and one in the
        // directory (for suspension), with no parsing, hashing or grain call.
        var now = clock.UtcNow;
        if (_cache.TryGetValue(authorization, out var cached) && cached.Until > now)
        {
            return await RequireActiveAsync(cached.Identity);
        }

        var text = authorization.AsSpan(7).Trim().ToString();
        if (!CredentialSecret.TryParse(text, out var secret))
        {
            throw Fail(HubErrorCode.Unauthenticated, "the credential is not a ClearingHouse credential", "malformed");
        }

        CallerIdentity identity;
        var until = now + options.Value.CacheTtl;
        if (secret.IsOperator)
        {
            if (operatorCredential.Matches(secret))
            {
                identity = new CallerIdentity(null, secret.CredentialId);
            }
            else
            {
                // Not the host's own operator credential: one the hub issued, full or read-only.
                var check = await grains.GetGrain<IOperatorCredentialsGrain>(IOperatorCredentialsGrain.Key).Check(secret.CredentialId, secret.Hash());
                if (!check.Valid)
                {
                    _cache.TryRemove(authorization, out _);
                    throw Fail(HubErrorCode.Unauthenticated, "unknown, expired or revoked credential", "unknown");
                }

                identity = new CallerIdentity(null, secret.CredentialId) { ReadOnly = check.ReadOnly };
            }
        }
        else
        {
            var party = secret.Party!.Value;
            if ((await directory.GetAsync()).GetParty(party) is null)
            {
                throw Fail(HubErrorCode.Unauthenticated, "unknown, expired or revoked credential", "unknown");
            }

            var check = await grains.GetGrain<IPartyCredentialsGrain>(party.ToString()).Check(secret.CredentialId, secret.Hash());
            if (!check.Valid)
            {
                _cache.TryRemove(authorization, out _);
                throw Fail(HubErrorCode.Unauthenticated, "unknown, expired or revoked credential", "unknown");
            }

            if (check.ValidUntil is { } expiry && expiry < until)
            {
                until = expiry;
            }

            identity = new CallerIdentity(party, secret.CredentialId);
        }

        if (_cache.Count >= MaxCachedCredentials)
        {
            _cache.Clear();
        }

        _cache[authorization] = new CachedCheck(identity, until);
        return await RequireActiveAsync(identity);
    }

    /// <summary>Forgets every cached check, after a credential changed through this silo.</summary>
    public void Invalidate() => _cache.Clear();

    private HubException Fail(HubErrorCode code, string message, string reason)
    {
        metrics.AuthenticationFailed(reason);
        return new HubException(code, message);
    }

    // The party's status is read on every call, so a suspension applies as soon as the directory sees it.
    private async ValueTask<CallerIdentity> RequireActiveAsync(CallerIdentity identity)
    {
        if (identity.Party is { } party && (await directory.GetAsync()).GetParty(party)?.Status is var status && status != PartyStatus.Active)
        {
            throw Fail(HubErrorCode.PermissionDenied, PartyRefusals.NotActive(party, status), "suspended");
        }

        return identity;
    }

    private sealed record CachedCheck(CallerIdentity Identity, DateTimeOffset Until);
}
