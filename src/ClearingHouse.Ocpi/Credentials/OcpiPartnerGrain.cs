using ClearingHouse.Domain.Credentials;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Ocpi.Credentials;

/// <inheritdoc cref="IOcpiPartnerGrain" />
internal sealed class OcpiPartnerGrain(
    [PersistentState("ocpi-partner", StorageProviders.Durable)] IPersistentState<OcpiPartnerState> state,
    HubClock clock) : Grain, IOcpiPartnerGrain
{
    private PartyKey Party => PartyKey.TryParse(this.GetPrimaryKeyString(), out var key)
        ? key.Value
        : throw new HubException(HubErrorCode.InvalidArgument, "malformed party key", "party");

    public async Task<string> IssueTokenA()
    {
        var token = OcpiToken.Generate(Party);
        state.State.TokenAHash = token.Hash();
        await state.CommitOrReloadAsync();
        return token.Text;
    }

    public Task<OcpiTokenCheck> Check(byte[] tokenHash) => Task.FromResult(new OcpiTokenCheck { Kind = KindOf(tokenHash) });

    public async Task<string> Register(byte[] tokenHash, OcpiTokenKind kind, OcpiRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (kind == OcpiTokenKind.None || KindOf(tokenHash) != kind)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, "the token used is no longer valid: the registration changed meanwhile");
        }

        var token = OcpiToken.Generate(Party);
        var s = state.State;
        s.TokenAHash = null;
        s.TokenCHash = token.Hash();
        s.TokenCId = token.Id;
        s.Registration = registration;
        s.RegisteredAt = clock.UtcNow;
        await state.CommitOrReloadAsync();
        return token.Text;
    }

    public async Task Unregister()
    {
        var s = state.State;
        s.TokenCHash = null;
        s.TokenCId = null;
        s.Registration = null;
        s.RegisteredAt = clock.UtcNow;
        await state.CommitOrReloadAsync();
    }

    public Task<OcpiPartnerView> Get() => Task.FromResult(new OcpiPartnerView
    {
        Party = Party,
        TokenAOutstanding = state.State.TokenAHash is not null,
        Registration = state.State.Registration,
        RegisteredAt = state.State.RegisteredAt,
        TokenCId = state.State.TokenCId,
    });

    private OcpiTokenKind KindOf(byte[] hash) =>
        state.State.TokenCHash is { } c && CredentialSecret.HashesEqual(c, hash) ? OcpiTokenKind.Registered
        : state.State.TokenAHash is { } a && CredentialSecret.HashesEqual(a, hash) ? OcpiTokenKind.Registration
        : OcpiTokenKind.None;
}

/// <summary>The stored state of <see cref="OcpiPartnerGrain"/>: hashes and the protected TOKEN_B, never a token in clear.</summary>
[GenerateSerializer]
public sealed class OcpiPartnerState
{
    /// <summary>SHA-256 of the outstanding TOKEN_A.</summary>
    [Id(0)] public byte[]? TokenAHash { get; set; }

    /// <summary>SHA-256 of the current TOKEN_C.</summary>
    [Id(1)] public byte[]? TokenCHash { get; set; }

    /// <summary>The public id of the current TOKEN_C.</summary>
    [Id(2)] public string? TokenCId { get; set; }

    /// <summary>The partner's registration.</summary>
    [Id(3)] public OcpiRegistration? Registration { get; set; }

    /// <summary>When it last registered or unregistered.</summary>
    [Id(4)] public DateTimeOffset? RegisteredAt { get; set; }
}
