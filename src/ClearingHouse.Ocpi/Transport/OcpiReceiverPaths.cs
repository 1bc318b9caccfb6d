using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>
/// The <c>{country_code}/{party_id}</c> of a receiver URL (sessions, tariffs, CDRs): a party writes and reads back only
/// its own objects, whatever its token may do elsewhere.
/// </summary>
public static class OcpiReceiverPaths
{
    /// <summary>
    /// The caller, when the URL names it and it has <paramref name="role"/>; PermissionDenied otherwise (nothing is read
    /// or applied). <paramref name="objects"/> names what the URL addresses, for the message ("sessions").
    /// </summary>
    public static PartyKey RequireOwn(PartyKey caller, string countryCode, string partyId, PartyRole role, string objects)
    {
        ArgumentNullException.ThrowIfNull(countryCode);
        ArgumentNullException.ThrowIfNull(partyId);
        if (caller.Role != role)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"only a party with role {(role == PartyRole.Cpo ? "CPO" : "EMSP")} may push {objects} to the hub");
        }

        return string.Equals(countryCode, caller.CountryCode, StringComparison.OrdinalIgnoreCase)
            && string.Equals(partyId, caller.PartyId, StringComparison.OrdinalIgnoreCase)
            ? caller
            : throw new HubException(HubErrorCode.PermissionDenied, $"{caller} may only write and read its own {objects}, not those of {Shown(countryCode, 2)}/{Shown(partyId, 3)}");
    }

    private static string Shown(string value, int max) => value.Length > max ? value[..max] + "..." : value;
}
