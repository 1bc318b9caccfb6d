using ClearingHouse.Grains.Commands;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>
/// One partner's durable outbox (key: the partner's party key, <c>NL-ABC-EMSP</c>): the hub's pushes to it (command
/// results, and later sessions, CDRs, status), each acknowledged to its sender only after it is stored here, then
/// delivered in order per object with retries and backoff until the partner accepts it or the attempts run out.
/// Also the commands whose result the partner waits for at its <c>response_url</c>.
/// </summary>
public interface IOcpiOutboxGrain : IGrainWithStringKey
{
    /// <summary>Stores a push (durable when it returns) and delivers it as soon as it may.</summary>
    Task Enqueue(OcpiDelivery delivery);

    /// <summary>Stores several pushes with one write (durable when it returns), in order, and delivers them as soon as they may.</summary>
    Task EnqueueMany(IReadOnlyList<OcpiDelivery> deliveries);

    /// <summary>Stores that the partner waits for the result of a command (durable when it returns); the result is pushed when the CPO reports it, or TIMEOUT.</summary>
    Task WatchCommand(OcpiCommandWatch watch);

    /// <summary>Resumes delivery after a restart (a no-op when the outbox is empty).</summary>
    Task Wake();

    /// <summary>The outbox as the operator and hubclientinfo see it.</summary>
    Task<OcpiOutboxView> Get();
}

/// <summary>One push to a partner.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiDelivery
{
    /// <summary>The push's id (for logs).</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>A few fixed words naming the push (<c>command result</c>), for metrics and logs.</summary>
    [Id(1)] public required string What { get; init; }

    /// <summary>The HTTP method (<c>POST</c>, <c>PUT</c>, <c>PATCH</c>).</summary>
    [Id(2)] public required string Method { get; init; }

    /// <summary>The partner's URL.</summary>
    [Id(3)] public required string Url { get; init; }

    /// <summary>The JSON body.</summary>
    [Id(4)] public string? Body { get; init; }

    /// <summary>The party the hub pushes for (<c>OCPI-from-*</c>), or null for the hub itself.</summary>
    [Id(5)] public PartyKey? From { get; init; }

    /// <summary>Pushes with the same key are delivered in order, one at a time; null: on its own.</summary>
    [Id(6)] public string? OrderKey { get; init; }

    /// <summary>When it was stored.</summary>
    [Id(7)] public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>Attempts made.</summary>
    [Id(8)] public int Attempts { get; init; }

    /// <summary>Not before (UTC).</summary>
    [Id(9)] public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>
    /// A newer push with the same <see cref="OrderKey"/> replaces this one while it waits (last writer wins): for pushes
    /// that carry the object's whole current state (an EVSE's status, a whole session), so a platform that is away gets
    /// the latest state once, not every step, and the outbox holds at most one per object.
    /// </summary>
    [Id(10)] public bool Replaceable { get; init; }
}

/// <summary>A command whose result a partner waits for at its <c>response_url</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiCommandWatch
{
    /// <summary>The hub's command id.</summary>
    [Id(0)] public required string CommandId { get; init; }

    /// <summary>Where the partner wants the CommandResult.</summary>
    [Id(1)] public required string ResponseUrl { get; init; }

    /// <summary>The CPO that executes the command (the result is pushed on its behalf).</summary>
    [Id(2)] public required PartyKey Cpo { get; init; }

    /// <summary>After this the hub pushes TIMEOUT itself, whatever the command's record says (a safety net).</summary>
    [Id(3)] public required DateTimeOffset GiveUpAt { get; init; }

    /// <summary>The kind of request (a charging profile's result has its own form); 0 in watches stored before it existed: a command.</summary>
    [Id(4)] public CommandKind Kind { get; init; }
}

/// <summary>A partner's outbox, without bodies.</summary>
[GenerateSerializer, Immutable]
public sealed record OcpiOutboxView
{
    /// <summary>Pushes waiting.</summary>
    [Id(0)] public int Queued { get; init; }

    /// <summary>Command results waited for.</summary>
    [Id(1)] public int Watching { get; init; }

    /// <summary>When the oldest waiting push was stored.</summary>
    [Id(2)] public DateTimeOffset? OldestQueuedAt { get; init; }

    /// <summary>When the partner last accepted a push.</summary>
    [Id(3)] public DateTimeOffset? LastDeliveredAt { get; init; }

    /// <summary>When a push to the partner last failed.</summary>
    [Id(4)] public DateTimeOffset? LastFailedAt { get; init; }

    /// <summary>Why it last failed (no token, no query).</summary>
    [Id(5)] public string? LastFailure { get; init; }

    /// <summary>Pushes given up since the outbox was created.</summary>
    [Id(6)] public long Dropped { get; init; }
}
