using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Grains.Parties;

/// <inheritdoc cref="IPartyRegistryGrain" />
public sealed class PartyRegistryGrain(
    [PersistentState("registry", StorageProviders.Durable)] IPersistentState<PartyRegistryState> state,
    HubClock clock) : Grain, IPartyRegistryGrain
{
    private RegistrySnapshot? _snapshot;

    /// <inheritdoc />
    public async Task<PartyRecord> Register(PartyKey key, string name)
    {
        ValidateKey(key, "party");
        HubException.ThrowIfInvalid(PartyRules.ValidateName(name), "name");
        var id = key.ToString();
        if (state.State.Parties.ContainsKey(id))
        {
            throw new HubException(HubErrorCode.AlreadyExists, $"party {id} is already registered");
        }

        var now = clock.UtcNow;
        var record = new PartyRecord { Key = key, Name = name.Trim(), Status = PartyStatus.Active, RegisteredAt = now, UpdatedAt = now };
        state.State.Parties[id] = record;
        await CommitAsync();
        return record;
    }

    /// <inheritdoc />
    public Task<PartyRecord?> Get(PartyKey key) =>
        Task.FromResult(state.State.Parties.GetValueOrDefault(key.ToString()));

    /// <inheritdoc />
    public async Task<PartyRecord> SetStatus(PartyKey key, PartyStatus status, string? reason)
    {
        HubException.ThrowIfInvalid(PartyRules.ValidateReason(reason), "reason");
        var current = Require(key, HubErrorCode.NotFound);
        if (current.Status == status)
        {
            return current;
        }

        var updated = current with { Status = status, StatusReason = string.IsNullOrWhiteSpace(reason) ? null : reason, UpdatedAt = clock.UtcNow };
        state.State.Parties[key.ToString()] = updated;
        await CommitAsync();
        return updated;
    }

    /// <inheritdoc />
    public async Task<AgreementRecord> SetAgreement(PartyKey cpo, PartyKey emsp, DateTimeOffset validFrom, DateTimeOffset? validUntil)
    {
        ValidateKey(cpo, "cpo");
        ValidateKey(emsp, "emsp");
        if (cpo.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cpo {cpo} is not a CPO: an agreement is between one CPO and one EMSP", "cpo.role");
        }

        if (emsp.Role != PartyRole.Emsp)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"emsp {emsp} is not an EMSP: an agreement is between one CPO and one EMSP", "emsp.role");
        }

        if (validUntil is { } until && until <= validFrom)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "valid_until must be after valid_from", "valid_until");
        }

        RequireActive(cpo);
        RequireActive(emsp);
        var record = new AgreementRecord { Cpo = cpo, Emsp = emsp, ValidFrom = validFrom, ValidUntil = validUntil, UpdatedAt = clock.UtcNow };
        state.State.Agreements[AgreementId(cpo, emsp)] = record;
        await CommitAsync();
        return record;
    }

    /// <inheritdoc />
    public async Task<AgreementRecord> EndAgreement(PartyKey cpo, PartyKey emsp, DateTimeOffset endedAt)
    {
        var id = AgreementId(cpo, emsp);
        if (!state.State.Agreements.TryGetValue(id, out var current))
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no agreement between {cpo} and {emsp}");
        }

        if (current.ValidUntil is { } until && until <= endedAt)
        {
            return current;
        }

        // An agreement ended before it started simply never becomes active.
        var updated = current with { ValidUntil = endedAt < current.ValidFrom ? current.ValidFrom : endedAt, UpdatedAt = clock.UtcNow };
        state.State.Agreements[id] = updated;
        await CommitAsync();
        return updated;
    }

    /// <inheritdoc />
    public Task<RegistrySnapshot?> GetSnapshot(long knownVersion)
    {
        if (knownVersion == state.State.Version && knownVersion != 0)
        {
            return Task.FromResult<RegistrySnapshot?>(null);
        }

        _snapshot ??= new RegistrySnapshot
        {
            Version = state.State.Version,
            Parties = state.State.Parties.Values.OrderBy(p => p.Key).ToArray(),
            Agreements = state.State.Agreements.Values.OrderBy(a => a.Cpo).ThenBy(a => a.Emsp).ToArray(),
        };
        return Task.FromResult<RegistrySnapshot?>(_snapshot);
    }

    private static string AgreementId(PartyKey cpo, PartyKey emsp) => $"{cpo}|{emsp}";

    private static void ValidateKey(PartyKey key, string field)
    {
        HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(key.CountryCode), $"{field}.country_code");
        HubException.ThrowIfInvalid(PartyRules.ValidatePartyId(key.PartyId), $"{field}.party_id");
        if (!Enum.IsDefined(key.Role))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role must be CPO or EMSP", $"{field}.role");
        }
    }

    private PartyRecord Require(PartyKey key, HubErrorCode code) =>
        state.State.Parties.GetValueOrDefault(key.ToString())
        ?? throw new HubException(code, $"party {key} is not registered");

    private void RequireActive(PartyKey key)
    {
        var party = Require(key, HubErrorCode.FailedPrecondition);
        if (party.Status != PartyStatus.Active)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, PartyRefusals.NotActive(key, party.Status));
        }
    }

    // Writes the whole state. If the write fails, the in-memory state is reloaded from the store so
    // the activation never serves a change that was not durably written.
    private async Task CommitAsync()
    {
        state.State.Version++;
        _snapshot = null;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            await state.ReadStateAsync();
            throw;
        }
    }
}
