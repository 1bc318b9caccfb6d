using System.Diagnostics.Metrics;

namespace ClearingHouse.Application.Diagnostics;

/// <summary>The hub's instruments, on the one <c>ClearingHouse</c> meter.</summary>
public sealed class HubMetrics
{
    /// <summary>The meter name, for exporters.</summary>
    public const string MeterName = "ClearingHouse";

    private readonly Counter<long> _authFailures;

    /// <summary>Creates the instruments.</summary>
    public HubMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _authFailures = meter.CreateCounter<long>(InstrumentNames.AuthFailures, unit: "{call}", description: "Calls refused by authentication");
    }

    /// <summary>Counts a refused call; <paramref name="reason"/> is one of a few fixed words.</summary>
    public void AuthenticationFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
