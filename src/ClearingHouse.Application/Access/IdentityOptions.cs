namespace ClearingHouse.Application.Access;

/// <summary>Authentication of callers (configuration section <c>Identity</c>).</summary>
public sealed class IdentityOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Identity";

    /// <summary>How long a rotated credential keeps working (default 7 days).</summary>
    public TimeSpan RotationGracePeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a silo trusts a credential it has checked before checking it again (default 5 s).
    /// A revocation through another silo applies here within this time; through this silo, at once.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// SHA-256 (hex) of the operator's secret. Required in the Cluster profile (every silo must accept
    /// the same operator). In the Embedded profile, when not set, a secret is generated on first start
    /// and written to <c>operator.credential</c> in the data directory.
    /// </summary>
    public string? OperatorSecretSha256 { get; set; }
}
