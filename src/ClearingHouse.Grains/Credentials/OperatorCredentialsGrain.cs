using ClearingHouse.Domain.Credentials;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Grains.Credentials;

/// <inheritdoc cref="IOperatorCredentialsGrain" />
public sealed class OperatorCredentialsGrain(
    [PersistentState("operatorCredentials", StorageProviders.Durable)] IPersistentState<OperatorCredentialsState> state,
    HubClock clock) : Grain, IOperatorCredentialsGrain
{
    /// <summary>How many operator credentials that still work may exist at once.</summary>
    public const int MaxUsableCredentials = 50;

    /// <inheritdoc />
    public async Task<IssuedOperatorCredential> Issue(bool readOnly)
    {
        var usable = state.State.Credentials.Count(c => c.RevokedAt is null);
        if (usable >= MaxUsableCredentials)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"{usable} operator credentials are in use; revoke one first");
        }

        var secret = CredentialSecret.Generate(party: null);
        var record = new OperatorCredentialRecord { Id = secret.CredentialId, SecretHash = secret.Hash(), IssuedAt = clock.UtcNow, ReadOnly = readOnly };
        state.State.Credentials.Add(record);
        await CommitAsync();
        return new IssuedOperatorCredential { Credential = record, Secret = secret.Text };
    }

    /// <inheritdoc />
    public async Task<OperatorCredentialRecord> Revoke(string credentialId)
    {
        var list = state.State.Credentials;
        var index = list.FindIndex(c => c.Id == credentialId);
        if (index < 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"the hub issued no operator credential {credentialId}");
        }

        if (list[index].RevokedAt is not null)
        {
            return list[index];
        }

        list[index] = list[index] with { RevokedAt = clock.UtcNow };
        await CommitAsync();
        return list[index];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OperatorCredentialRecord>> List() =>
        Task.FromResult<IReadOnlyList<OperatorCredentialRecord>>(state.State.Credentials.AsEnumerable().Reverse().ToArray());

    /// <inheritdoc />
    public Task<OperatorCredentialCheck> Check(string credentialId, byte[] secretHash)
    {
        var c = state.State.Credentials.Find(c => c.Id == credentialId);
        var valid = c is { RevokedAt: null } && CredentialSecret.HashesEqual(c.SecretHash, secretHash);
        return Task.FromResult(new OperatorCredentialCheck { Valid = valid, ReadOnly = valid && c!.ReadOnly });
    }

    /// <inheritdoc />
    public Task<bool> IsRevoked(string credentialId) =>
        Task.FromResult(state.State.Credentials.Find(c => c.Id == credentialId) is { RevokedAt: not null });

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

/// <summary>Stored state of <see cref="OperatorCredentialsGrain"/> (version 1 of its shape).</summary>
[GenerateSerializer]
public sealed class OperatorCredentialsState
{
    /// <summary>The issued operator credentials, oldest first.</summary>
    [Id(0)] public List<OperatorCredentialRecord> Credentials { get; set; } = [];
}
