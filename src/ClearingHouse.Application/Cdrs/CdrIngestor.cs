using System.Diagnostics.Metrics;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Diagnostics;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tariffs;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Cdrs;

/// <summary>The verdict on one submitted CDR.</summary>
public enum CdrOutcome
{
    /// <summary>Stored durably.</summary>
    Accepted = 1,

    /// <summary>Already stored; left as it was.</summary>
    Duplicate = 2,

    /// <summary>Not stored.</summary>
    Rejected = 3,
}

/// <summary>The acknowledgement of one CDR of a batch.</summary>
public sealed record CdrResult(int Index, string? CdrId, CdrOutcome Outcome, IReadOnlyList<CdrValidationError> Reasons, PriceCheck? PriceCheck, Cost? HubTotal, string Currency, string? TimeZone = null, string? TimeZoneNote = null, PriceCheckDetails? Check = null);

/// <summary>
/// The CDR ingest flow: a batch of one CPO's OCPI CDR JSON objects, without a grain call per CDR, in steps:
/// validate each CDR (<see cref="CdrIngestor"/>.Validate.cs: readable, valid, the caller's, a registered EMSP with an
/// active agreement per <see cref="AccessPolicy"/>, known tariffs in the same currency), resolve the batch's time zones
/// and price again (.Pricing.cs), check credit references, store the batch idempotently in one transaction and route
/// what is durable to the EMSPs' feeds (.Storing.cs). Results are returned only after that transaction committed: an
/// ACCEPTED CDR is durable.
/// </summary>
/// <remarks>
/// Time zone for pricing: the <c>time_zone</c> of the location the CDR names (<c>cdr_location.id</c>) as the hub
/// knows it (the CPO published it through LocationService), looked up for the whole batch at once through the
/// silo's <see cref="LocationTimeZones"/>; only when the hub does not know the location (or it has no usable zone),
/// the CDR's own <c>cdr_location.time_zone</c> (an extension; OCPI 2.2.1's CdrLocation has none), else UTC. The
/// choice and any fallback are stated in the breakdown's and the acknowledgement's time-zone note.
/// </remarks>
public sealed partial class CdrIngestor
{
    private readonly ICdrStore _store;
    private readonly IGrainFactory _grains;
    private readonly AccessPolicy _policy;
    private readonly TariffCatalog _catalog;
    private readonly TariffVersionCache _versions;
    private readonly LocationTimeZones _locationZones;
    private readonly HubClock _clock;
    private readonly IOptions<CdrOptions> _options;
    private readonly ILogger<CdrIngestor> _logger;
    private readonly Counter<long> _cdrs;
    private readonly Histogram<double> _batchSeconds;

    /// <summary>Creates the ingestor.</summary>
    public CdrIngestor(ICdrStore store, IGrainFactory grains, AccessPolicy policy, TariffCatalog catalog, TariffVersionCache versions, LocationTimeZones locationZones, HubClock clock, IOptions<CdrOptions> options, IMeterFactory meters, ILogger<CdrIngestor> logger)
    {
        _store = store;
        _grains = grains;
        _policy = policy;
        _catalog = catalog;
        _versions = versions;
        _locationZones = locationZones;
        _clock = clock;
        _options = options;
        _logger = logger;
        var meter = meters.Create(HubMetrics.MeterName);
        _cdrs = meter.CreateCounter<long>(InstrumentNames.CdrsSubmitted, "{cdr}", "CDRs submitted, by outcome (accepted, duplicate, rejected, mismatch)");
        _batchSeconds = meter.CreateHistogram(InstrumentNames.CdrBatchDuration, unit: "s", description: "Time to validate, price and durably store one batch of CDRs (the acknowledgement time)", advice: HubMetrics.LatencyBuckets);
        foreach (var outcome in OutcomeTags)
        {
            _cdrs.Add(0, outcome);
        }
    }

    /// <summary>Serializes the hub's breakdown for storage (see <see cref="PricingResultJson"/>).</summary>
    public static string SerializeBreakdown(PricingResult result) => PricingResultJson.Serialize(result);

    /// <summary>Reads a stored breakdown (see <see cref="PricingResultJson"/>).</summary>
    public static PricingResult? DeserializeBreakdown(string? json) => PricingResultJson.Deserialize(json);

    /// <summary>
    /// Validates, prices and stores a batch of OCPI CDR JSON objects of the calling CPO; one result per CDR, in order.
    /// PermissionDenied unless the caller is a CPO; InvalidArgument for an empty or too large batch.
    /// </summary>
    public async Task<IReadOnlyList<CdrResult>> IngestAsync(CallerIdentity caller, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(documents);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        CheckBatchSize(documents.Count);
        var started = _clock.Time.GetTimestamp();
        var batch = new CdrBatch(cpo, documents, _clock.UtcNow, await _policy.ViewAsync());
        for (var i = 0; i < documents.Count; i++)
        {
            if (Read(batch, i) is not { } cdr)
            {
                continue;
            }

            if (batch.Tariffs is null && NamesTariff(cdr))
            {
                batch.Tariffs = await _catalog.GetAsync(cpo); // once per batch; validating each CDR is then synchronous
            }

            if (Validate(batch, i, cdr) is { } valid)
            {
                Admit(batch, valid);
            }
        }

        await ResolveTimeZonesAsync(batch);
        await ResolveVersionsAsync(batch);
        PriceAll(batch);
        await CheckCreditReferencesAsync(batch, cancellationToken);
        var inserted = batch.Pending.Count == 0 ? NothingInserted : await _store.InsertAsync(cpo, batch.Pending.ConvertAll(p => p.Cdr), cancellationToken);
        Route(batch, inserted);
        SettleRepeats(batch);
        RecordBatch(batch, started);
        return batch.Results!;
    }

    /// <summary>InvalidArgument unless a batch holds 1 to <see cref="CdrOptions.MaxBatchSize"/> CDRs.</summary>
    public void CheckBatchSize(int count)
    {
        var max = _options.Value.MaxBatchSize;
        if (count == 0 || count > max)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cdrs must hold 1 to {max} CDRs, not {count}", "cdrs");
        }
    }

    private void RecordBatch(CdrBatch batch, long started)
    {
        var rejected = batch.Documents.Count - batch.Accepted - batch.Duplicates;
        Record(batch.Accepted, OutcomeTags[0]);
        Record(batch.Duplicates, OutcomeTags[1]);
        Record(rejected, OutcomeTags[2]);
        Record(batch.Mismatches, OutcomeTags[3]);
        _batchSeconds.Record(_clock.Time.GetElapsedTime(started).TotalSeconds);
        LogBatch(_logger, batch.Cpo.ToString(), batch.Documents.Count, batch.Accepted, batch.Duplicates, rejected);
    }

    private void Record(int count, KeyValuePair<string, object?> outcome)
    {
        if (count > 0)
        {
            _cdrs.Add(count, outcome);
        }
    }

    // CdrAckStatus's names (and PriceCheckStatus's MISMATCH), as the CLI prints them; built once.
    private static readonly KeyValuePair<string, object?>[] OutcomeTags =
        [new("outcome", "ACCEPTED"), new("outcome", "DUPLICATE"), new("outcome", "REJECTED"), new("outcome", "MISMATCH")];

    private static CdrResult Reject(int index, string? id, IReadOnlyList<CdrValidationError> reasons) =>
        new(index, id, CdrOutcome.Rejected, reasons, null, null, "");

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "CDR batch of {Cpo}: {Count} submitted, {Accepted} accepted, {Duplicates} duplicate, {Rejected} rejected")]
    private static partial void LogBatch(ILogger logger, string cpo, int count, int accepted, int duplicates, int rejected);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "CDR {CdrId} of {Cpo} flagged {Check}: {Detail}")]
    private static partial void LogPriceMismatch(ILogger logger, string cpo, string cdrId, string check, string detail);
}
