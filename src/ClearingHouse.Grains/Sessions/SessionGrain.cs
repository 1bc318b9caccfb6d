using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Grains.Sessions;

/// <inheritdoc cref="ISessionGrain" />
/// <remarks>
/// The session table is this grain's durable state (as the token table is the token grain's), so a
/// session is written once per change and lists and stuck-session queries read the same rows. A failed
/// write leaves the in-memory copy untouched and makes the next call re-read the store: whatever the
/// store holds is the truth, and nothing is half-applied.
/// </remarks>
public sealed class SessionGrain(ISessionStore store, IAuthorizationStore authorizations, HubClock clock) : Grain, ISessionGrain
{
    private SessionRecord? _session;
    private bool _loaded;

    /// <inheritdoc />
    public async Task<SessionWrite> Put(SessionRecord session, bool agreementActive)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (SessionRecord.KeyOf(session.Cpo, session.Id) != this.GetPrimaryKeyString())
        {
            throw new HubException(HubErrorCode.InvalidArgument, "the session does not belong to this grain");
        }

        await EnsureLoadedAsync();
        return await ApplyAsync(session, agreementActive);
    }

    /// <inheritdoc />
    public async Task<SessionWrite> Patch(SessionPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        await EnsureLoadedAsync();
        if (_session is not { } current)
        {
            throw new HubException(HubErrorCode.NotFound, "no such session of the caller");
        }

        if (patch.TotalCostCurrency is { Length: > 0 } currency && currency != current.Currency)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"total_cost.currency must be the session's currency {current.Currency}", "total_cost.currency");
        }

        if (patch.LastUpdated > current.LastUpdated)
        {
            // Appended periods continue the stored ones: none may start before the last stored period.
            var last = current.ChargingPeriods.Count > 0 ? current.ChargingPeriods[^1].Start : current.Start;
            for (var i = 0; i < patch.AddChargingPeriods.Count; i++)
            {
                if (patch.AddChargingPeriods[i].Start < last)
                {
                    throw new HubException(HubErrorCode.FailedPrecondition, $"charging_periods[{i}].start_date_time is before the session's last charging period", $"charging_periods[{i}].start_date_time");
                }

                last = patch.AddChargingPeriods[i].Start;
            }
        }

        return await ApplyAsync(patch.ApplyTo(current), agreementActive: true);
    }

    /// <inheritdoc />
    public async Task<SessionRecord?> Get()
    {
        await EnsureLoadedAsync();
        return _session;
    }

    /// <inheritdoc />
    /// <remarks>Through the grain, so the resend is ordered with the CPO's own changes of the session.</remarks>
    public async Task<SessionRecord?> Republish()
    {
        await EnsureLoadedAsync();
        if (_session is not { } current)
        {
            return null;
        }

        await StoreAsync(current);
        return _session;
    }

    private async Task<SessionWrite> ApplyAsync(SessionRecord incoming, bool agreementActive)
    {
        var decision = SessionRules.Decide(_session?.Facts, incoming.Facts);
        switch (decision.Verdict)
        {
            case SessionVerdict.Refused:
                var problem = decision.Problem!;
                throw new HubException(problem.Malformed ? HubErrorCode.InvalidArgument : HubErrorCode.FailedPrecondition, problem.Message, problem.Field);
            case SessionVerdict.Stale or SessionVerdict.Unchanged:
                return new SessionWrite(decision.Verdict, _session!);
            case SessionVerdict.Create when !agreementActive:
                throw new HubException(HubErrorCode.FailedPrecondition, $"no active roaming agreement between {incoming.Cpo} and {incoming.Emsp}: the session cannot be routed", "session.cdr_token");
        }

        var stored = incoming with
        {
            ReceivedAt = clock.UtcNow,
            AuthorizationRecorded = await IsRecordedAsync(incoming),
            Sequence = 0,
        };
        await StoreAsync(stored);
        return new SessionWrite(decision.Verdict, _session!);
    }

    // Writes a version, then rings the EMSP's feed: subscribers read every change after their sequence from the store.
    private async Task StoreAsync(SessionRecord stored)
    {
        try
        {
            var sequence = await store.SaveAsync(stored with { Sequence = 0 });
            stored = stored with { Sequence = sequence };
        }
        catch
        {
            // The write may or may not have reached the store: re-read it on the next call.
            _loaded = false;
            throw;
        }

        _session = stored;
        GrainFactory.GetGrain<IPartyFeedGrain>(stored.Emsp.ToString()).SessionsChanged(stored.Sequence).Ignore();
    }

    private async Task<bool> IsRecordedAsync(SessionRecord session)
    {
        if (session.AuthorizationReference is not { } reference)
        {
            return false;
        }

        if (_session is { AuthorizationRecorded: true } current && current.AuthorizationReference == reference)
        {
            return true;
        }

        var record = await authorizations.GetAsync(reference);
        return record is not null && record.Cpo == session.Cpo && record.Emsp == session.Emsp;
    }

    private async Task EnsureLoadedAsync()
    {
        if (_loaded)
        {
            return;
        }

        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !PartyKey.TryParse(key[..slash], out var cpo))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "bad session key");
        }

        _session = await store.GetAsync(cpo.Value, key[(slash + 1)..]);
        _loaded = true;
    }
}
