using System.Diagnostics.Metrics;
using ClearingHouse.Application.Diagnostics;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>The durable outbound queue's instruments, on the hub's one meter; tags are a few fixed words.</summary>
public sealed class OcpiDeliveryMetrics
{
    private readonly UpDownCounter<long> _queued;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _dropped;

    /// <summary>Creates the instruments.</summary>
    public OcpiDeliveryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _queued = meter.CreateUpDownCounter<long>(InstrumentNames.OcpiDeliveryQueued, unit: "{push}", description: "Pushes waiting in this silo's active OCPI partner outboxes");
        _delivered = meter.CreateCounter<long>(InstrumentNames.OcpiDeliveryDelivered, unit: "{push}", description: "Pushes OCPI partners accepted");
        _retries = meter.CreateCounter<long>(InstrumentNames.OcpiDeliveryRetries, unit: "{attempt}", description: "Failed push attempts that will be retried");
        _dropped = meter.CreateCounter<long>(InstrumentNames.OcpiDeliveryDropped, unit: "{push}", description: "Pushes given up");

        // At zero from the start: the series exist (and the README's list matches every hub's scrape) before a first push.
        Queued("command result", 0);
        _delivered.Add(0, new("call", "command result"), new("attempts", "1"));
        Retried("command result", 0);
        _dropped.Add(0, new("call", "command result"), new("reason", "attempts"));
    }

    /// <summary>Pushes entered (positive) or left (negative) an active outbox.</summary>
    public void Queued(string call, int change) => _queued.Add(change, new KeyValuePair<string, object?>("call", call));

    /// <summary>A push was accepted after <paramref name="attempts"/> attempts.</summary>
    public void Delivered(string call, int attempts) =>
        _delivered.Add(1, new("call", call), new("attempts", attempts switch { 1 => "1", <= 3 => "2-3", _ => "4+" }));

    /// <summary>An attempt failed; the push will be tried again.</summary>
    public void Retried(string call, int count = 1) => _retries.Add(count, new KeyValuePair<string, object?>("call", call));

    /// <summary>A push was given up: <c>refused</c>, <c>attempts</c>, <c>overflow</c> or <c>unregistered</c>.</summary>
    public void Dropped(string call, string reason) => _dropped.Add(1, new("call", call), new("reason", reason));
}
