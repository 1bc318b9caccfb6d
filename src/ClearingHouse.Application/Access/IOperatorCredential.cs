using ClearingHouse.Domain.Credentials;

namespace ClearingHouse.Application.Access;

/// <summary>
/// The hub operator's credential as the core checks it. Where the secret's hash comes from (configuration or a
/// file the host generates on first start) is the host's business; the core only asks whether a secret matches.
/// </summary>
public interface IOperatorCredential
{
    /// <summary>Whether a presented operator secret matches.</summary>
    bool Matches(CredentialSecret secret);
}
