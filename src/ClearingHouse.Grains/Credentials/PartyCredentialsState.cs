namespace ClearingHouse.Grains.Credentials;

/// <summary>Stored state of <see cref="PartyCredentialsGrain"/> (version 1 of its shape).</summary>
[GenerateSerializer]
public sealed class PartyCredentialsState
{
    /// <summary>The party's credentials, oldest first.</summary>
    [Id(0)] public List<CredentialRecord> Credentials { get; set; } = [];
}
