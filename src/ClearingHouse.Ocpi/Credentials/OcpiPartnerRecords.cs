using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>Which of a party's tokens a presented token is.</summary>
public enum OcpiTokenKind
{
    /// <summary>Not a token of the party (unknown, replaced or unregistered).</summary>
    None = 0,

    /// <summary>TOKEN_A: only for the registration (versions, version details, POST credentials).</summary>
    Registration = 1,

    /// <summary>TOKEN_C: every call of a registered partner.</summary>
    Registered = 2,
}

/// <summary>One endpoint a partner published in its version details.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiPartnerEndpoint
{
    /// <summary>The module id (<c>locations</c>, <c>tokens</c>, ...).</summary>
    [Id(0)] public required string Identifier { get; init; }

    /// <summary><c>SENDER</c> or <c>RECEIVER</c>.</summary>
    [Id(1)] public required string Role { get; init; }

    /// <summary>The endpoint's URL.</summary>
    [Id(2)] public required string Url { get; init; }
}

/// <summary>What a partner gave in its registration (POST or PUT credentials), the hub's fetch of its endpoints included.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiRegistration
{
    /// <summary>The partner's TOKEN_B, protected (Data Protection); the hub presents it on its calls to the partner.</summary>
    [Id(0)] public required string ProtectedTokenB { get; init; }

    /// <summary>The partner's versions URL.</summary>
    [Id(1)] public required string VersionsUrl { get; init; }

    /// <summary>The version both sides use (<c>2.2.1</c>).</summary>
    [Id(2)] public required string Version { get; init; }

    /// <summary>The partner's endpoints of that version.</summary>
    [Id(3)] public required IReadOnlyList<OcpiPartnerEndpoint> Endpoints { get; init; }

    /// <summary>The business name the partner gave for this party.</summary>
    [Id(4)] public string? BusinessName { get; init; }
}

/// <summary>The outcome of checking a presented token.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiTokenCheck
{
    /// <summary>Which token it is, or <see cref="OcpiTokenKind.None"/>.</summary>
    [Id(0)] public required OcpiTokenKind Kind { get; init; }
}

/// <summary>A party's OCPI registration as the operator sees it (no secret).</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiPartnerView
{
    /// <summary>The party.</summary>
    [Id(0)] public required PartyKey Party { get; init; }

    /// <summary>Whether a TOKEN_A is outstanding (issued, not yet used to register).</summary>
    [Id(1)] public required bool TokenAOutstanding { get; init; }

    /// <summary>The registration, when the partner has registered.</summary>
    [Id(2)] public OcpiRegistration? Registration { get; init; }

    /// <summary>When the partner registered or last updated its credentials (UTC).</summary>
    [Id(3)] public DateTimeOffset? RegisteredAt { get; init; }

    /// <summary>The public id of the current TOKEN_C.</summary>
    [Id(4)] public string? TokenCId { get; init; }
}
