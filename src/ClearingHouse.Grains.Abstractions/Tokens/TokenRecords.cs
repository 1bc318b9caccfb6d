using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Grains.Tokens;

/// <summary>The hub's copy of one OCPI token and the EMSP that owns it.</summary>
[GenerateSerializer, Immutable]
public sealed record TokenRecord
{
    /// <summary>The owning EMSP (its country_code and party_id are the token's).</summary>
    [Id(0)] public required PartyKey Owner { get; init; }

    /// <summary>OCPI uid.</summary>
    [Id(1)] public required string Uid { get; init; }

    /// <summary>OCPI type.</summary>
    [Id(2)] public required TokenType Type { get; init; }

    /// <summary>OCPI contract_id.</summary>
    [Id(3)] public required string ContractId { get; init; }

    /// <summary>OCPI visual_number, or null.</summary>
    [Id(4)] public string? VisualNumber { get; init; }

    /// <summary>OCPI issuer.</summary>
    [Id(5)] public required string Issuer { get; init; }

    /// <summary>OCPI group_id, or null.</summary>
    [Id(6)] public string? GroupId { get; init; }

    /// <summary>OCPI valid.</summary>
    [Id(7)] public required bool Valid { get; init; }

    /// <summary>OCPI whitelist.</summary>
    [Id(8)] public required WhitelistType Whitelist { get; init; }

    /// <summary>OCPI language, or null.</summary>
    [Id(9)] public string? Language { get; init; }

    /// <summary>OCPI default_profile_type, or null.</summary>
    [Id(10)] public ProfileType? DefaultProfileType { get; init; }

    /// <summary>OCPI energy_contract.supplier_name, or null when there is no energy contract.</summary>
    [Id(11)] public string? EnergySupplierName { get; init; }

    /// <summary>OCPI energy_contract.contract_id, or null.</summary>
    [Id(12)] public string? EnergyContractId { get; init; }

    /// <summary>OCPI last_updated (UTC).</summary>
    [Id(13)] public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>The facts the authorization rules need.</summary>
    public TokenFacts Facts => new(Type, Valid, Whitelist);

    /// <summary>The grain key of a token: type and uid (a uid is unique per type, as in OCPI).</summary>
    public static string KeyOf(TokenType type, string uid) => $"{(int)type}:{uid}";
}

/// <summary>An OCPI PATCH of a token: null fields stay as they are; an empty string clears an optional text.</summary>
[GenerateSerializer, Immutable]
public sealed record TokenPatch
{
    /// <summary>New contract_id.</summary>
    [Id(0)] public string? ContractId { get; init; }

    /// <summary>New visual_number ("" clears).</summary>
    [Id(1)] public string? VisualNumber { get; init; }

    /// <summary>New issuer.</summary>
    [Id(2)] public string? Issuer { get; init; }

    /// <summary>New group_id ("" clears).</summary>
    [Id(3)] public string? GroupId { get; init; }

    /// <summary>New valid.</summary>
    [Id(4)] public bool? Valid { get; init; }

    /// <summary>New whitelist.</summary>
    [Id(5)] public WhitelistType? Whitelist { get; init; }

    /// <summary>New language ("" clears).</summary>
    [Id(6)] public string? Language { get; init; }

    /// <summary>New default profile.</summary>
    [Id(7)] public ProfileType? DefaultProfileType { get; init; }

    /// <summary>New energy supplier name (with <see cref="EnergyContractId"/>).</summary>
    [Id(8)] public string? EnergySupplierName { get; init; }

    /// <summary>New energy contract id.</summary>
    [Id(9)] public string? EnergyContractId { get; init; }

    /// <summary>When the EMSP made the change.</summary>
    [Id(10)] public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>The token with this patch applied.</summary>
    public TokenRecord ApplyTo(TokenRecord token) => token with
    {
        ContractId = ContractId ?? token.ContractId,
        VisualNumber = VisualNumber is null ? token.VisualNumber : Empty(VisualNumber),
        Issuer = Issuer ?? token.Issuer,
        GroupId = GroupId is null ? token.GroupId : Empty(GroupId),
        Valid = Valid ?? token.Valid,
        Whitelist = Whitelist ?? token.Whitelist,
        Language = Language is null ? token.Language : Empty(Language),
        DefaultProfileType = DefaultProfileType ?? token.DefaultProfileType,
        EnergySupplierName = EnergySupplierName ?? token.EnergySupplierName,
        EnergyContractId = EnergySupplierName is null ? token.EnergyContractId : Empty(EnergyContractId),
        LastUpdated = LastUpdated,
    };

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>The outcome of storing a batch of tokens.</summary>
/// <param name="Stored">Tokens created or replaced.</param>
/// <param name="Conflicts">Tokens not applied because another EMSP owns the same uid + type.</param>
public sealed record TokenWriteResult(int Stored, IReadOnlyList<(TokenType Type, string Uid)> Conflicts);
