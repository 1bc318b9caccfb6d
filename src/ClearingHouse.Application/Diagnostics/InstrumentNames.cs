namespace ClearingHouse.Application.Diagnostics;

/// <summary>
/// The name of every instrument on the hub's one meter (<see cref="HubMetrics.MeterName"/>), in one place. Dashboards,
/// alert rules, docs and tests use these names: never change one (add a new instrument instead).
/// </summary>
public static class InstrumentNames
{
    // Every gRPC call.
    /// <summary>gRPC calls answered, tagged <c>method</c> (full name, <c>unknown</c> for an unmapped path) and <c>code</c> (<c>OK</c>, <c>INVALID_ARGUMENT</c>, ...).</summary>
    public const string GrpcServerCalls = "clearinghouse.grpc.server.calls";

    // Authentication.
    /// <summary>Calls refused by authentication, tagged with <c>reason</c>.</summary>
    public const string AuthFailures = "clearinghouse.auth.failures";

    // OCPI edge.
    /// <summary>Calls to OCPI partners that failed or were not trusted (timeout, redirect, garbage), tagged <c>call</c>.</summary>
    public const string OcpiPartnerFailures = "clearinghouse.ocpi.partner.failures";

    /// <summary>Calls to OCPI partners not made because the URL's host is not in <c>Ocpi:PartnerHosts</c>, tagged <c>call</c>.</summary>
    public const string OcpiPartnerHostRefused = "clearinghouse.ocpi.partner.host_refused";

    /// <summary>Pushes waiting in this silo's active OCPI partner outboxes (durable queue), tagged <c>call</c>.</summary>
    public const string OcpiDeliveryQueued = "clearinghouse.ocpi.delivery.queued";

    /// <summary>Pushes an OCPI partner accepted, tagged <c>call</c> and <c>attempts</c> (<c>1</c>, <c>2-3</c>, <c>4+</c>).</summary>
    public const string OcpiDeliveryDelivered = "clearinghouse.ocpi.delivery.delivered";

    /// <summary>Push attempts that failed and will be retried, tagged <c>call</c>.</summary>
    public const string OcpiDeliveryRetries = "clearinghouse.ocpi.delivery.retries";

    /// <summary>Pushes given up (the partner refused them, or every attempt failed), tagged <c>call</c> and <c>reason</c>.</summary>
    public const string OcpiDeliveryDropped = "clearinghouse.ocpi.delivery.dropped";

    // Tokens and real-time authorization.
    /// <summary>Authorization decisions, tagged <c>allowed</c> (<c>ALLOWED</c>, <c>BLOCKED</c>, ...) and <c>source</c> (<c>HUB_COPY</c>, ...).</summary>
    public const string TokenAuthorizations = "clearinghouse.tokens.authorizations";

    /// <summary>Time from a CPO's authorization request entering the core to the decision being recorded, tagged <c>source</c> (<c>HUB_COPY</c>, <c>MSP_REAL_TIME</c>, ...) and <c>allowed</c>.</summary>
    public const string TokenAuthorizationDuration = "clearinghouse.tokens.authorization.duration";

    /// <summary>Time the hub waited for an EMSP's real-time answer, tagged <c>outcome</c> (<c>ANSWERED</c>, <c>TIMEOUT</c>, <c>NO_CHANNEL</c>).</summary>
    public const string TokenMspAnswerDuration = "clearinghouse.tokens.msp.answer.duration";

    /// <summary>EMSP answers for unknown or expired request ids (ignored), tagged <c>emsp</c>.</summary>
    public const string TokenUnknownAnswers = "clearinghouse.tokens.msp.unknown_answers";

    /// <summary>Channels the hub ended because of the EMSP's behaviour, tagged <c>reason</c>.</summary>
    public const string TokenChannelsCut = "clearinghouse.tokens.msp.channels_cut";

    /// <summary>Tokens not applied because another EMSP owns them.</summary>
    public const string TokenConflicts = "clearinghouse.tokens.conflicts";

    /// <summary>Open authorization channels on this silo.</summary>
    public const string TokenOpenChannels = "clearinghouse.tokens.msp.open_channels";

    /// <summary>Token grain activations served by the Redis token cache, tagged <c>result</c> (hit, miss, bypass).</summary>
    public const string TokenCacheReads = "clearinghouse.tokens.cache.reads";

    // Status routing and locations.
    /// <summary>Status updates received, tagged <c>outcome</c> (accepted, stale, rejected: no proto enum names these).</summary>
    public const string StatusUpdates = "clearinghouse.status.updates";

    /// <summary>Status events written to subscribers.</summary>
    public const string StatusEventsDelivered = "clearinghouse.status.events_delivered";

    /// <summary>Subscribers cut because their bounded queue overflowed.</summary>
    public const string StatusSubscriberOverflows = "clearinghouse.status.subscriber_overflows";

    /// <summary>Open status subscriptions on this silo.</summary>
    public const string StatusSubscribers = "clearinghouse.status.subscribers";

    /// <summary>Time from the hub accepting a status to the message carrying it being written to a subscriber (the oldest status of each message).</summary>
    public const string StatusDeliveryDelay = "clearinghouse.status.delivery.delay";

    /// <summary>Resync signals sent (cursor older than retention, or feed restarted).</summary>
    public const string StatusResyncs = "clearinghouse.status.resyncs";

    /// <summary>GetLocation reads by snapshot cache result (<c>result</c>: hit, miss, bypass).</summary>
    public const string LocationSnapshotCacheReads = "clearinghouse.locations.snapshot_cache_reads";

    // Sessions and commands.
    /// <summary>Session writes, tagged <c>result</c> (<c>CREATED</c>, <c>UPDATED</c>, <c>UNCHANGED</c>, <c>STALE</c>: SessionWriteResult's names).</summary>
    public const string SessionWrites = "clearinghouse.sessions.writes";

    /// <summary>Stuck sessions found by the last scan of this silo's monitor.</summary>
    public const string SessionsStuck = "clearinghouse.sessions.stuck";

    /// <summary>Commands sent, tagged <c>type</c> (<c>START_SESSION</c>, ...) and <c>delivery</c> (<c>ANSWERED</c>, <c>TIMEOUT</c>, <c>NO_CHANNEL</c>).</summary>
    public const string CommandsSent = "clearinghouse.commands.sent";

    /// <summary>Time from an EMSP's command reaching the core to the CPO's answer (or the timeout), tagged <c>type</c> and <c>delivery</c>.</summary>
    public const string CommandDuration = "clearinghouse.commands.duration";

    // CDRs.
    /// <summary>CDRs submitted, tagged <c>outcome</c> (<c>ACCEPTED</c>, <c>DUPLICATE</c>, <c>REJECTED</c>; <c>MISMATCH</c> counts accepted CDRs whose price differs).</summary>
    public const string CdrsSubmitted = "clearinghouse.cdrs.submitted";

    /// <summary>Time to validate, price and durably store one batch of CDRs: the CDR acknowledgement time.</summary>
    public const string CdrBatchDuration = "clearinghouse.cdrs.batch.duration";

    /// <summary>Open SubscribeCdrs streams on this silo.</summary>
    public const string CdrSubscribers = "clearinghouse.cdrs.subscribers";

    /// <summary>CDR subscribers cut because their queue stayed full.</summary>
    public const string CdrSubscriberOverflows = "clearinghouse.cdrs.subscriber_overflows";

    /// <summary>CDRs written to SubscribeCdrs streams.</summary>
    public const string CdrsDelivered = "clearinghouse.cdrs.delivered";

    // Saturation of the bounded queues (defined beside QueueMetrics, below the core, so grains and stores report too).
    /// <summary>Items waiting in the hub's bounded queues, tagged <c>queue</c>.</summary>
    public const string QueueDepth = Grains.Diagnostics.QueueMetrics.DepthName;

    /// <summary>Items a full bounded queue refused or dropped, tagged <c>queue</c>.</summary>
    public const string QueueDrops = Grains.Diagnostics.QueueMetrics.DropsName;

    /// <summary>Items written by one group commit or flush, tagged <c>queue</c>.</summary>
    public const string QueueBatchSize = Grains.Diagnostics.QueueMetrics.BatchSizeName;
}
