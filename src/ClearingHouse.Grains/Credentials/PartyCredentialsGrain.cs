using ClearingHouse.Domain.Credentials;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Grains.Credentials;

/// <inheritdoc cref="IPartyCredentialsGrain" />
public sealed class PartyCredentialsGrain(
    [PersistentState("credentials", StorageProviders.Durable)] IPersistentState<PartyCredentialsState> state,
    HubClock clock) : Grain, IPartyCredentialsGrain
{
    /// <summary>How many credentials that still work a party may hold at once.</summary>
    public const int MaxUsableCredentials = 20;

    private PartyKey Party => PartyKey.TryParse(this.GetPrimaryKeyString(), out var key)
        ? key.Value
        : throw new HubException(HubErrorCode.InvalidArgument, "malformed party key", "party");

    /// <inheritdoc />
    public async Task<IssuedCredential> Issue()
    {
        await RequireRegisteredAsync();
        var issued = NewCredential(clock.UtcNow);
        state.State.Credentials.Add(issued.Credential);
        await CommitAsync();
        return issued;
    }

    /// <inheritdoc />
    public async Task<IssuedCredential> Rotate(string credentialId, TimeSpan gracePeriod)
    {
        var (index, current) = Find(credentialId);
        var now = clock.UtcNow;
        if (current.StatusAt(now) != CredentialStatus.Active)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"credential {credentialId} is {current.StatusAt(now)}, only an active credential can be rotated");
        }

        await RequireRegisteredAsync();
        var issued = NewCredential(now);
        var previous = current with { ExpiresAt = now + gracePeriod, ReplacedBy = issued.Credential.Id };
        state.State.Credentials[index] = previous;
        state.State.Credentials.Add(issued.Credential);
        await CommitAsync();
        return issued with { Previous = previous };
    }

    /// <inheritdoc />
    public async Task<CredentialRecord> Revoke(string credentialId)
    {
        var (index, current) = Find(credentialId);
        if (current.RevokedAt is not null)
        {
            return current;
        }

        var revoked = current with { RevokedAt = clock.UtcNow };
        state.State.Credentials[index] = revoked;
        await CommitAsync();
        return revoked;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CredentialRecord>> List() =>
        Task.FromResult<IReadOnlyList<CredentialRecord>>(state.State.Credentials.AsEnumerable().Reverse().ToArray());

    /// <inheritdoc />
    public Task<CredentialCheck> Check(string credentialId, byte[] secretHash)
    {
        var now = clock.UtcNow;
        foreach (var c in state.State.Credentials)
        {
            if (c.Id == credentialId)
            {
                var status = c.StatusAt(now);
                var valid = status is CredentialStatus.Active or CredentialStatus.Rotating
                    && CredentialSecret.HashesEqual(c.SecretHash, secretHash);
                return Task.FromResult(new CredentialCheck { Valid = valid, ValidUntil = valid ? c.ExpiresAt : null });
            }
        }

        return Task.FromResult(new CredentialCheck { Valid = false });
    }

    private IssuedCredential NewCredential(DateTimeOffset now)
    {
        var usable = state.State.Credentials.Count(c => c.StatusAt(now) is CredentialStatus.Active or CredentialStatus.Rotating);
        if (usable >= MaxUsableCredentials)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"party {Party} already holds {usable} usable credentials; revoke one first");
        }

        var secret = CredentialSecret.Generate(Party);
        var record = new CredentialRecord { Id = secret.CredentialId, Party = Party, SecretHash = secret.Hash(), IssuedAt = now };
        return new IssuedCredential { Credential = record, Secret = secret.Text };
    }

    private (int Index, CredentialRecord Record) Find(string credentialId)
    {
        var list = state.State.Credentials;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Id == credentialId)
            {
                return (i, list[i]);
            }
        }

        throw new HubException(HubErrorCode.NotFound, $"party {Party} has no credential {credentialId}");
    }

    private async Task RequireRegisteredAsync()
    {
        var party = await GrainFactory.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).Get(Party);
        if (party is null)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"party {Party} is not registered");
        }
    }

    private async Task CommitAsync()
    {
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
