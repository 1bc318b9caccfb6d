using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Grains.Sessions;

/// <summary>One measured value of a charging period (OCPI <c>CdrDimension</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record CdrDimensionRecord(
    [property: Id(0)] int Type,
    [property: Id(1)] decimal Volume);

/// <summary>OCPI <c>ChargingPeriod</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record ChargingPeriodRecord(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] IReadOnlyList<CdrDimensionRecord> Dimensions,
    [property: Id(2)] string? TariffId);

/// <summary>OCPI <c>Price</c> (amounts in the session's currency).</summary>
[GenerateSerializer, Immutable]
public sealed record PriceRecord(
    [property: Id(0)] decimal ExclVat,
    [property: Id(1)] decimal? InclVat);

/// <summary>The hub's copy of one OCPI session, with what the hub adds (EMSP, receipt time, link).</summary>
[GenerateSerializer, Immutable]
public sealed record SessionRecord
{
    /// <summary>The CPO that runs the session.</summary>
    [Id(0)] public required PartyKey Cpo { get; init; }

    /// <summary>The CPO's session id.</summary>
    [Id(1)] public required string Id { get; init; }

    /// <summary>The EMSP of the cdr_token: the session is routed to it.</summary>
    [Id(2)] public required PartyKey Emsp { get; init; }

    /// <summary>OCPI start_date_time.</summary>
    [Id(3)] public required DateTimeOffset Start { get; init; }

    /// <summary>OCPI end_date_time, or null.</summary>
    [Id(4)] public DateTimeOffset? End { get; init; }

    /// <summary>OCPI kwh.</summary>
    [Id(5)] public required decimal Kwh { get; init; }

    /// <summary>cdr_token.uid.</summary>
    [Id(6)] public required string TokenUid { get; init; }

    /// <summary>cdr_token.type.</summary>
    [Id(7)] public required TokenType TokenType { get; init; }

    /// <summary>cdr_token.contract_id.</summary>
    [Id(8)] public required string ContractId { get; init; }

    /// <summary>OCPI auth_method (wire value).</summary>
    [Id(9)] public required int AuthMethod { get; init; }

    /// <summary>OCPI authorization_reference, or null.</summary>
    [Id(10)] public string? AuthorizationReference { get; init; }

    /// <summary>OCPI location_id.</summary>
    [Id(11)] public required string LocationId { get; init; }

    /// <summary>OCPI evse_uid.</summary>
    [Id(12)] public required string EvseUid { get; init; }

    /// <summary>OCPI connector_id.</summary>
    [Id(13)] public required string ConnectorId { get; init; }

    /// <summary>OCPI meter_id, or null.</summary>
    [Id(14)] public string? MeterId { get; init; }

    /// <summary>OCPI currency.</summary>
    [Id(15)] public required string Currency { get; init; }

    /// <summary>OCPI charging_periods.</summary>
    [Id(16)] public IReadOnlyList<ChargingPeriodRecord> ChargingPeriods { get; init; } = [];

    /// <summary>OCPI total_cost, or null.</summary>
    [Id(17)] public PriceRecord? TotalCost { get; init; }

    /// <summary>OCPI status.</summary>
    [Id(18)] public required SessionStatus Status { get; init; }

    /// <summary>OCPI last_updated (the CPO's clock).</summary>
    [Id(19)] public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>When the hub last stored a change (the hub's clock): stuck detection uses it.</summary>
    [Id(20)] public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Whether the authorization_reference names a decision the hub recorded for this CPO and EMSP.</summary>
    [Id(21)] public bool AuthorizationRecorded { get; init; }

    /// <summary>The store's change sequence of this version (the subscription cursor); 0 before it is stored.</summary>
    [Id(22)] public long Sequence { get; init; }

    /// <summary>What the state machine needs.</summary>
    public SessionFacts Facts => new(Status, Kwh, Start, End, LastUpdated, Emsp.ToString());

    /// <summary>The grain key of a session: CPO and the CPO's session id.</summary>
    public static string KeyOf(PartyKey cpo, string id) => $"{cpo}/{id}";
}

/// <summary>An OCPI PATCH of a session: null fields stay as they are.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionPatch
{
    /// <summary>The CPO's last_updated of this change.</summary>
    [Id(0)] public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>New status, or null.</summary>
    [Id(1)] public SessionStatus? Status { get; init; }

    /// <summary>New kwh, or null.</summary>
    [Id(2)] public decimal? Kwh { get; init; }

    /// <summary>New end, or null.</summary>
    [Id(3)] public DateTimeOffset? End { get; init; }

    /// <summary>Periods to append.</summary>
    [Id(4)] public IReadOnlyList<ChargingPeriodRecord> AddChargingPeriods { get; init; } = [];

    /// <summary>New total cost, or null.</summary>
    [Id(5)] public PriceRecord? TotalCost { get; init; }

    /// <summary>New meter id, or null (empty clears it).</summary>
    [Id(6)] public string? MeterId { get; init; }

    /// <summary>The currency the new total cost was given in, or null: it must be the session's.</summary>
    [Id(7)] public string? TotalCostCurrency { get; init; }

    /// <summary>The session with this patch applied.</summary>
    public SessionRecord ApplyTo(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session with
        {
            LastUpdated = LastUpdated,
            Status = Status ?? session.Status,
            Kwh = Kwh ?? session.Kwh,
            End = End ?? session.End,
            ChargingPeriods = AddChargingPeriods.Count == 0 ? session.ChargingPeriods : [.. session.ChargingPeriods, .. AddChargingPeriods],
            TotalCost = TotalCost ?? session.TotalCost,
            MeterId = MeterId is null ? session.MeterId : MeterId.Length == 0 ? null : MeterId,
        };
    }
}

/// <summary>What a session write did, and the session as stored after it.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionWrite(
    [property: Id(0)] SessionVerdict Verdict,
    [property: Id(1)] SessionRecord Session);
