using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Errors;

/// <summary>
/// The one bound on how far in the future a partner's <c>last_updated</c> may be, for locations, sessions, tokens and
/// tariffs alike (<c>Locations:MaxClockSkew</c>, default 5 minutes). Every later write is compared with the stored
/// <c>last_updated</c>, so a far-future value accepted once would make the partner's real updates stale for ever.
/// </summary>
public sealed class ClockSkewBound(HubClock clock, IOptions<LocationsOptions> options)
{
    /// <summary>InvalidArgument naming <paramref name="field"/> when <paramref name="lastUpdated"/> is too far in the future; absent is fine.</summary>
    public void Check(DateTimeOffset? lastUpdated, string field)
    {
        var maxSkew = options.Value.MaxClockSkew;
        if (lastUpdated is { } t && t - clock.UtcNow > maxSkew)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is more than {maxSkew.TotalSeconds:0} s in the future (Locations:MaxClockSkew)", field);
        }
    }
}
