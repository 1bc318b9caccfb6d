using System.Collections.Concurrent;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Server.Diagnostics;
using ClearingHouse.Server.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Identity;

/// <summary>
/// Turns a bearer secret into a <see cref="CallerIdentity"/>. A credential checked by its party's
/// credentials grain is trusted by this silo for <see cref="IdentityOptions.CacheTtl"/> (never past
/// a rotated credential's expiry), so the hot path costs a dictionary lookup. The party's status is
/// read from the silo's <see cref="PartyDirectory"/> on every call, so a suspension applies as soon
/// as the directory sees it.
/// </summary>
public sealed class IdentityResolver(
    IGrainFactory grains,
    PartyDirectory directory,
    OperatorCredential operatorCredential,
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
            throw Fail(StatusCode.Unauthenticated, "missing 'authorization: Bearer <credential>' header", "missing");
        }

        var text = authorization.AsSpan(7).Trim().ToString();
        if (!CredentialSecret.TryParse(text, out var secret))
        {
            throw Fail(StatusCode.Unauthenticated, "the credential is not a ClearingHouse credential", "malformed");
        }

        if (secret.IsOperator)
        {
            return operatorCredential.Matches(secret)
                ? new CallerIdentity(null, secret.CredentialId)
                : throw Fail(StatusCode.Unauthenticated, "unknown, expired or revoked credential", "unknown");
        }

        var party = secret.Party!.Value;
        var view = await directory.GetAsync();
        var record = view.GetParty(party);
        if (record is null)
        {
            throw Fail(StatusCode.Unauthenticated, "unknown, expired or revoked credential", "unknown");
        }

        var now = clock.UtcNow;
        if (!_cache.TryGetValue(text, out var cached) || cached.Until <= now)
        {
            var check = await grains.GetGrain<IPartyCredentialsGrain>(party.ToString()).Check(secret.CredentialId, secret.Hash());
            if (!check.Valid)
            {
                _cache.TryRemove(text, out _);
                throw Fail(StatusCode.Unauthenticated, "unknown, expired or revoked credential", "unknown");
            }

            var until = now + options.Value.CacheTtl;
            if (check.ValidUntil is { } expiry && expiry < until)
            {
                until = expiry;
            }

            if (_cache.Count >= MaxCachedCredentials)
            {
                _cache.Clear();
            }

            _cache[text] = new CachedCheck(until);
        }

        if (record.Status != PartyStatus.Active)
        {
            throw Fail(StatusCode.PermissionDenied, $"party {party} is suspended", "suspended");
        }

        return new CallerIdentity(party, secret.CredentialId);
    }

    /// <summary>Forgets every cached check, after a credential changed through this silo.</summary>
    public void Invalidate() => _cache.Clear();

    private RpcException Fail(StatusCode code, string message, string reason)
    {
        metrics.AuthenticationFailed(reason);
        return new RpcException(new Status(code, message));
    }

    private readonly record struct CachedCheck(DateTimeOffset Until);
}
