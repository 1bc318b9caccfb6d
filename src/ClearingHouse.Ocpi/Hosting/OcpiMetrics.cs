using System.Diagnostics.Metrics;
using ClearingHouse.Application.Diagnostics;

namespace ClearingHouse.Ocpi.Hosting;

/// <summary>The OCPI edge's instruments, on the hub's one meter.</summary>
public sealed class OcpiMetrics
{
    private readonly Counter<long> _partnerFailures;
    private readonly Counter<long> _hostRefused;

    /// <summary>Creates the instruments.</summary>
    public OcpiMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _partnerFailures = meter.CreateCounter<long>(InstrumentNames.OcpiPartnerFailures, unit: "{call}", description: "Calls to OCPI partners that failed or were not trusted");
        // At zero from the start, so the series exists (and the README's list matches every hub's scrape) before a first failure.
        _partnerFailures.Add(0, new KeyValuePair<string, object?>("call", "versions"));
        _hostRefused = meter.CreateCounter<long>(InstrumentNames.OcpiPartnerHostRefused, unit: "{call}", description: "Calls to OCPI partners not made: the URL's host is not in Ocpi:PartnerHosts");
    }

    /// <summary>Counts a call not made because its host is not allowed; <paramref name="what"/> is one of a few fixed words.</summary>
    public void PartnerHostRefused(string what) => _hostRefused.Add(1, new KeyValuePair<string, object?>("call", what));

    /// <summary>Counts a failed call to a partner; <paramref name="what"/> is one of a few fixed words.</summary>
    public void PartnerCallFailed(string what) => _partnerFailures.Add(1, new KeyValuePair<string, object?>("call", what));
}
