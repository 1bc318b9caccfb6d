using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Application.Cdrs;

/// <summary>What one ingest batch carries from step to step (allocated once per batch, never per CDR).</summary>
internal sealed class CdrBatch(PartyKey cpo, IReadOnlyList<string> documents, DateTimeOffset now, DirectoryView view)
{
    public PartyKey Cpo { get; } = cpo;

    public IReadOnlyList<string> Documents { get; } = documents;

    /// <summary>The instant the whole batch is judged at (received_at of every stored CDR).</summary>
    public DateTimeOffset Now { get; } = now;

    /// <summary>The party directory as it stood when the batch arrived.</summary>
    public DirectoryView View { get; } = view;

    public CdrResult?[] Results { get; } = new CdrResult?[documents.Count];

    /// <summary>Reused for each CDR's problems; copied only for a rejection.</summary>
    public List<CdrValidationError> Errors { get; } = [];

    public List<ValidCdr> Valid { get; } = new(documents.Count);

    public List<PendingCdr> Pending { get; } = new(documents.Count);

    /// <summary>The first index of each CDR id in the batch: a later CDR with the same id is a repeat.</summary>
    public Dictionary<string, int> FirstIndexById { get; } = new(StringComparer.Ordinal);

    public List<RepeatedCdr> Repeats { get; } = [];

    /// <summary>The CPO's compiled tariffs, loaded on the first CDR that names one.</summary>
    public CpoTariffs? Tariffs { get; set; }

    /// <summary>The locations whose time zone pricing needs (null until a priced CDR names one).</summary>
    public HashSet<string>? LocationIds { get; set; }

    /// <summary>The hub's time zone of each location in <see cref="LocationIds"/> (null: unknown location).</summary>
    public Dictionary<string, string?> Zones { get; } = new(StringComparer.Ordinal);

    /// <summary>What pricing needs of each known location in <see cref="LocationIds"/> (connectors' tariff ids).</summary>
    public Dictionary<string, LocationPricingFacts> Facts { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The versions of each tariff a CDR of the batch needs because its session started before the current version
    /// (null until one does; most batches never need it).
    /// </summary>
    public Dictionary<string, IReadOnlyList<CatalogTariff>>? Versions { get; set; }

    /// <summary>The note of each tariff version choice (tariff id, version, why), one per batch, not per CDR.</summary>
    public Dictionary<(string TariffId, DateTimeOffset Version, int Why), string>? VersionNotes { get; set; }

    /// <summary>One choice (and one note) per location and batch, not per CDR.</summary>
    public Dictionary<string, (TimeZoneInfo Zone, string Note)>? ZoneChoices { get; set; }

    /// <summary>The last EMSP whose feed was rung (a batch mostly holds one EMSP's CDRs).</summary>
    public PartyKey? Rung { get; set; }

    public int Accepted { get; set; }

    public int Duplicates { get; set; }

    public int Mismatches { get; set; }
}

/// <summary>A CDR that passed validation, with what pricing needs.</summary>
internal readonly record struct ValidCdr(int Index, Cdr Cdr, PartyKey Emsp, CatalogTariff? Tariff, TimeZoneInfo? CdrZone);

/// <summary>A CDR ready to store, with the hub's price when it priced it.</summary>
internal readonly record struct PendingCdr(int Index, StoredCdr Cdr, PricingResult? Price, PriceCheckDetails? Check = null);

/// <summary>A CDR whose id an earlier CDR of the same batch already had.</summary>
internal readonly record struct RepeatedCdr(int Index, string Id, int First);
