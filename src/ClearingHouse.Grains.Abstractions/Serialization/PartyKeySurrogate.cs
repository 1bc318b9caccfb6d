using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Serialization;

/// <summary>Wire and storage shape of <see cref="PartyKey"/>, which lives in the Orleans-free domain.</summary>
[GenerateSerializer]
public record struct PartyKeySurrogate
{
    /// <summary>ISO 3166-1 alpha-2 code.</summary>
    [Id(0)] public string CountryCode { get; set; }

    /// <summary>OCPI party_id.</summary>
    [Id(1)] public string PartyId { get; set; }

    /// <summary>CPO or EMSP.</summary>
    [Id(2)] public PartyRole Role { get; set; }
}

/// <summary>Converts <see cref="PartyKey"/> to and from its surrogate.</summary>
[RegisterConverter]
public sealed class PartyKeySurrogateConverter : IConverter<PartyKey, PartyKeySurrogate>
{
    /// <inheritdoc />
    public PartyKey ConvertFromSurrogate(in PartyKeySurrogate surrogate) => new(surrogate.CountryCode, surrogate.PartyId, surrogate.Role);

    /// <inheritdoc />
    public PartyKeySurrogate ConvertToSurrogate(in PartyKey value) => new() { CountryCode = value.CountryCode, PartyId = value.PartyId, Role = value.Role };
}
