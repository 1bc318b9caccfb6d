namespace ClearingHouse.Ocpi.Push;

/// <summary>
/// The hub's pushes to one EMSP platform registered over OCPI (key: the EMSP's party key, <c>DE-XYZ-EMSP</c>): while
/// the platform publishes a locations, sessions or cdrs RECEIVER endpoint, the grain follows the EMSP's feeds in the
/// core (status subscription, sessions feed, CDR feed; the same the gRPC subscribers use, with the same agreement and
/// suspension rules) and stores each change in the EMSP's durable outbox, which delivers it. One activation in the
/// cluster follows an EMSP; its feed cursors are durable, so a restart resumes where the outbox stopped taking.
/// </summary>
public interface IOcpiPushGrain : IGrainWithStringKey
{
    /// <summary>Starts (or re-aims after an endpoint change) following the feeds the platform has receivers for; stops when it has none.</summary>
    Task Ensure();

    /// <summary>Stores where a feed was taken up to (everything before it is in the outbox).</summary>
    Task SaveCursor(string feed, string cursor);

    /// <summary>A feed loop reports its feed open: changes from now on are pushed (until the activation ends).</summary>
    Task Opened(string feed);

    /// <summary>A feed loop reports its feed ended (it is opened again from its cursor after a wait).</summary>
    Task Closed(string feed);

    /// <summary>What the grain follows now, and its cursors.</summary>
    Task<OcpiPushView> Get();
}

/// <summary>A push grain as the operator and the tests see it.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiPushView
{
    /// <summary>The feeds followed now: <c>status</c>, <c>sessions</c>, <c>cdrs</c>.</summary>
    [Id(0)] public IReadOnlyList<string> Following { get; init; } = [];

    /// <summary>The feeds' stored cursors.</summary>
    [Id(1)] public IReadOnlyDictionary<string, string> Cursors { get; init; } = new Dictionary<string, string>();

    /// <summary>The feeds open now (a feed ended by a suspension or an outage is left out until it is open again).</summary>
    [Id(2)] public IReadOnlyList<string> Open { get; init; } = [];
}

/// <summary>The stored cursors of one EMSP's push feeds.</summary>
[GenerateSerializer]
public sealed class OcpiPushState
{
    /// <summary>Per feed, where it was taken up to.</summary>
    [Id(0)] public Dictionary<string, string> Cursors { get; set; } = new(StringComparer.Ordinal);
}
