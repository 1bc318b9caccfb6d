using System.Diagnostics;
using System.Diagnostics.Metrics;
using ClearingHouse.Application.Diagnostics;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Grains.Commands;

namespace ClearingHouse.Application.Sessions;

/// <summary>Instruments of sessions and commands, on the one <c>ClearingHouse</c> meter.</summary>
public sealed class SessionMetrics
{
    // Label values are the proto enums' names (SessionWriteResult, CommandType, CommandDelivery), built once.
    private static readonly KeyValuePair<string, object?>[] ResultTags = MetricLabels.TagsOf<SessionVerdict>("result")
        .Select(t => new KeyValuePair<string, object?>("result", WriteResultName((string)t.Value!))).ToArray();
    private static readonly KeyValuePair<string, object?>[] TypeTags = MetricLabels.TagsOf<CommandKind>("type");
    private static readonly KeyValuePair<string, object?>[] DeliveryTags = MetricLabels.TagsOf<CommandDeliveryKind>("delivery");

    private readonly Counter<long> _writes;
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _commandSeconds;
    private long _stuck;

    /// <summary>Creates the instruments; every fixed tag combination starts at 0.</summary>
    public SessionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _writes = meter.CreateCounter<long>(InstrumentNames.SessionWrites, unit: "{write}", description: "Session writes by result");
        _commands = meter.CreateCounter<long>(InstrumentNames.CommandsSent, unit: "{command}", description: "Commands sent to CPOs by type and delivery");
        _commandSeconds = meter.CreateHistogram(InstrumentNames.CommandDuration, unit: "s", description: "Command round trip: from the EMSP's command to the CPO's answer or the timeout", advice: HubMetrics.LatencyBuckets);
        meter.CreateObservableGauge(InstrumentNames.SessionsStuck, () => Interlocked.Read(ref _stuck), unit: "{session}", description: "PENDING or ACTIVE sessions silent for Sessions:StuckAfter (last scan)");
        foreach (var verdict in Enum.GetValues<SessionVerdict>().Where(v => v != SessionVerdict.Refused))
        {
            _writes.Add(0, ResultTags[(int)verdict]);
        }

        foreach (var kind in Enum.GetValues<CommandKind>())
        {
            foreach (var delivery in Enum.GetValues<CommandDeliveryKind>().Where(d => d != CommandDeliveryKind.Pending))
            {
                _commands.Add(0, TypeTags[(int)kind], DeliveryTags[(int)delivery]);
            }
        }
    }

    /// <summary>Stuck sessions at the last scan.</summary>
    public long StuckCount => Interlocked.Read(ref _stuck);

    /// <summary>Counts a session write, labelled as SessionWriteResult names it (CREATED, UPDATED, UNCHANGED, STALE).</summary>
    public void Written(SessionVerdict verdict) => _writes.Add(1, MetricLabels.Pick(ResultTags, (int)verdict, "result"));

    /// <summary>Counts a command and records its round trip since <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp()"/>).</summary>
    public void CommandSent(CommandKind kind, CommandDeliveryKind delivery, long startedTimestamp)
    {
        var type = MetricLabels.Pick(TypeTags, (int)kind, "type");
        var outcome = MetricLabels.Pick(DeliveryTags, (int)delivery, "delivery");
        _commands.Add(1, type, outcome);
        _commandSeconds.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, type, outcome);
    }

    /// <summary>Records the last scan's count.</summary>
    public void SetStuck(long count) => Interlocked.Exchange(ref _stuck, count);

    // The domain says what a write did (Create, Apply); the proto says what the caller sees (CREATED, UPDATED).
    private static string WriteResultName(string verdict) => verdict switch
    {
        "CREATE" => "CREATED",
        "APPLY" => "UPDATED",
        _ => verdict,
    };
}
