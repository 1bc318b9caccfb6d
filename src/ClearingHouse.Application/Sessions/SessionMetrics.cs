using ClearingHouse.Application.Diagnostics;
using System.Diagnostics.Metrics;

namespace ClearingHouse.Application.Sessions;

/// <summary>Instruments of sessions and commands, on the one <c>ClearingHouse</c> meter.</summary>
public sealed class SessionMetrics
{
    private readonly Counter<long> _writes;
    private readonly Counter<long> _commands;
    private long _stuck;

    /// <summary>Creates the instruments.</summary>
    public SessionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _writes = meter.CreateCounter<long>(InstrumentNames.SessionWrites, unit: "{write}", description: "Session writes by result");
        _commands = meter.CreateCounter<long>(InstrumentNames.CommandsSent, unit: "{command}", description: "Commands sent to CPOs by type and delivery");
        meter.CreateObservableGauge(InstrumentNames.SessionsStuck, () => Interlocked.Read(ref _stuck), unit: "{session}", description: "PENDING or ACTIVE sessions silent for Sessions:StuckAfter (last scan)");
    }

    /// <summary>Stuck sessions at the last scan.</summary>
    public long StuckCount => Interlocked.Read(ref _stuck);

    /// <summary>Counts a session write.</summary>
    public void Written(string result) => _writes.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>Counts a command.</summary>
    public void CommandSent(string type, string delivery) => _commands.Add(
        1,
        new KeyValuePair<string, object?>("type", type),
        new KeyValuePair<string, object?>("delivery", delivery));

    /// <summary>Records the last scan's count.</summary>
    public void SetStuck(long count) => Interlocked.Exchange(ref _stuck, count);
}
