using System.Diagnostics;

namespace ClearingHouse.Application.Diagnostics;

/// <summary>
/// The hub's one <see cref="ActivitySource"/> (spans of its own beside ASP.NET Core's server spans and Orleans' grain-call
/// spans). With tracing off nothing listens, and <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns
/// null at the cost of one check: the hot paths call it unconditionally.
/// </summary>
public static class HubActivities
{
    /// <summary>The source name, for exporters.</summary>
    public const string SourceName = "ClearingHouse";

    /// <summary>The source.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Span: the hub asks the token's EMSP in real time (the wait, whichever silo holds the channel).</summary>
    public const string AskEmsp = "clearinghouse.authorization.ask_emsp";

    /// <summary>Span: the hub writes a request to an EMSP's authorization channel (child of the CPO's call, however far away).</summary>
    public const string DeliverToEmsp = "clearinghouse.authorization.deliver_to_emsp";

    /// <summary>Span: the decision is made durable in the authorization journal (group commit).</summary>
    public const string RecordDecision = "clearinghouse.authorization.record";
}
