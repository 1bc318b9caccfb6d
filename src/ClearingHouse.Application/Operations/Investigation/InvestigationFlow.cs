using System.Text.Json;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Application.Operations.Investigation;

/// <summary>What an id found: its kind (cdr, session, token, authorization, location, dispute, statement), its owner and its id.</summary>
/// <param name="Kind">The kind of object.</param>
/// <param name="Owner">The party that owns it (the CPO, or the EMSP of a token), or null for hub objects (disputes, statements).</param>
/// <param name="Id">Its id (for a token, <c>TYPE/uid</c>).</param>
/// <param name="Summary">One line about it.</param>
public sealed record InvestigationHit(string Kind, PartyKey? Owner, string Id, string Summary);

/// <summary>One CDR and everything linked to it: authorization -> session -> CDR -> statement -> dispute.</summary>
/// <param name="Cdr">The stored CDR, with the hub's price beside the declared one.</param>
/// <param name="SessionId">The session id the CDR names, if any.</param>
/// <param name="Session">That session, when the hub has it.</param>
/// <param name="AuthorizationReference">The authorization reference the CDR (or its session) names, if any.</param>
/// <param name="Authorization">That decision, when the hub recorded it.</param>
/// <param name="Settled">Whether a closed statement holds the CDR.</param>
/// <param name="Statements">The closed statements of its CPO, EMSP and currency whose period holds the CDR's end.</param>
/// <param name="Dispute">The dispute about it, if any.</param>
/// <param name="Price">The declared price beside the hub's, per dimension and in total.</param>
public sealed record CdrTrail(
    StoredCdr Cdr, string? SessionId, SessionRecord? Session, string? AuthorizationReference, AuthorizationRecord? Authorization,
    bool Settled, IReadOnlyList<ClosedStatement> Statements, DisputeRecord? Dispute, IReadOnlyList<PriceLine> Price);

/// <summary>One line of a price comparison: what the CPO declared and what the hub computed (null where absent).</summary>
/// <param name="Dimension">ENERGY, TIME, PARKING_TIME, FLAT or TOTAL.</param>
/// <param name="DeclaredExclVat">The CPO's figure, excl. VAT.</param>
/// <param name="HubExclVat">The hub's, excl. VAT.</param>
/// <param name="HubInclVat">The hub's, incl. VAT.</param>
public sealed record PriceLine(string Dimension, decimal? DeclaredExclVat, decimal? HubExclVat, decimal? HubInclVat);

/// <summary>One session and what is linked to it.</summary>
/// <param name="Session">The session.</param>
/// <param name="Authorization">The decision its authorization reference names, when recorded.</param>
public sealed record SessionTrail(SessionRecord Session, AuthorizationRecord? Authorization);

/// <summary>One authorization decision and the token it was about (when the hub knows it).</summary>
/// <param name="Authorization">The decision.</param>
/// <param name="Token">The token presented, when known.</param>
public sealed record AuthorizationTrail(AuthorizationRecord Authorization, TokenRecord? Token);

/// <summary>
/// The operator's investigation, below every edge (the console today): find an object by any of its ids without knowing
/// its owner, and read one object with what is linked to it. Operator only; reads only. A search without an owner tries
/// each CPO in turn (at most <see cref="MaxOwnersSearched"/>), one keyed read per CPO and kind.
/// </summary>
public sealed class InvestigationFlow(
    AccessPolicy access, ICdrStore cdrs, ISessionStore sessions, ITokenStore tokens, IAuthorizationStore authorizations,
    ISettlementStore settlement, IGrainFactory grains)
{
    /// <summary>The most CPOs one search without an owner looks in.</summary>
    public const int MaxOwnersSearched = 500;

    /// <summary>The longest id searched.</summary>
    public const int MaxIdLength = 255;

    /// <summary>
    /// Everything <paramref name="text"/> names: a CDR, session or location id (of <paramref name="owner"/>, or of any CPO),
    /// a token uid (any type), an authorization reference, a dispute or statement number. Empty when nothing matches.
    /// </summary>
    public async Task<IReadOnlyList<InvestigationHit>> SearchAsync(CallerIdentity caller, string text, PartyKey? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        text = text?.Trim() ?? "";
        if (text.Length is 0 or > MaxIdLength || text.Any(char.IsControl))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"the id must be 1 to {MaxIdLength} printable characters", "id");
        }

        var hits = new List<InvestigationHit>();
        var view = await access.ViewAsync();
        var cpos = owner is { Role: PartyRole.Cpo } o
            ? [o]
            : view.Snapshot.Parties.Where(p => p.Key.Role == PartyRole.Cpo).Select(p => p.Key).OrderBy(k => k.ToString(), StringComparer.Ordinal).Take(MaxOwnersSearched).ToList();
        foreach (var cpo in cpos)
        {
            if (await cdrs.GetAsync(cpo, text, cancellationToken) is { } cdr)
            {
                hits.Add(new InvestigationHit("cdr", cpo, cdr.Id, $"CDR for {cdr.Emsp}, ended {cdr.EndDateTime:u}, {cdr.TotalCostExclVat} {cdr.Currency} excl. VAT declared"));
            }

            if (await sessions.GetAsync(cpo, text, cancellationToken) is { } session)
            {
                hits.Add(new InvestigationHit("session", cpo, session.Id, $"session for {session.Emsp}, {session.Status}, started {session.Start:u}"));
            }
        }

        // Locations live in their grains (one read per CPO; a grain for an unknown id holds nothing and is deactivated idle).
        foreach (var cpo in cpos)
        {
            if (await Location(cpo, text).Get() is { } location)
            {
                hits.Add(new InvestigationHit("location", cpo, location.Id, $"location '{location.Name}', {location.City}, {location.Evses.Length} EVSEs"));
            }
        }

        foreach (var type in Enum.GetValues<TokenType>())
        {
            if (await tokens.GetAsync(type, text, cancellationToken) is { } token)
            {
                hits.Add(new InvestigationHit("token", token.Owner, $"{type}/{token.Uid}", $"{type} token of {token.Owner}, contract {token.ContractId}, {(token.Valid ? "valid" : "not valid")}"));
            }
        }

        if (await authorizations.GetAsync(text, cancellationToken) is { } authorization)
        {
            hits.Add(new InvestigationHit("authorization", authorization.Cpo, authorization.Reference,
                $"{authorization.Allowed} ({authorization.Source}) for {authorization.Type} token {authorization.Uid} at {authorization.DecidedAt:u}"));
        }

        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            if (await settlement.GetDisputeAsync(number, cancellationToken) is { } dispute)
            {
                hits.Add(new InvestigationHit("dispute", null, number.ToString(System.Globalization.CultureInfo.InvariantCulture), $"dispute about {dispute.Cpo}/{dispute.CdrId}, {dispute.State}"));
            }

            if (await settlement.GetStatementAsync(number, cancellationToken) is { } statement)
            {
                hits.Add(new InvestigationHit("statement", null, number.ToString(System.Globalization.CultureInfo.InvariantCulture), $"statement {statement.Key.Cpo} / {statement.Key.Emsp} {statement.Key.Currency}"));
            }
        }

        return hits;
    }

    /// <summary>A CDR of <paramref name="cpo"/> and its links; NotFound when there is none.</summary>
    public async Task<CdrTrail> CdrAsync(CallerIdentity caller, PartyKey cpo, string cdrId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        var cdr = await cdrs.GetAsync(cpo, Id(cdrId, "cdr_id"), cancellationToken)
            ?? throw new HubException(HubErrorCode.NotFound, $"there is no CDR '{cdrId}' of {cpo}");
        var (sessionId, reference) = Links(cdr.OcpiJson);
        var session = sessionId is null ? null : await sessions.GetAsync(cpo, sessionId, cancellationToken);
        reference ??= session?.AuthorizationReference;
        var authorization = reference is null ? null : await authorizations.GetAsync(reference, cancellationToken);
        var settled = (await settlement.FindSettledAsync(cpo, [cdr.Id], cancellationToken)).Contains(cdr.Id);
        var statements = (await settlement.ListClosedAsync(cpo, cdr.Emsp, cdr.Currency, cancellationToken))
            .Where(s => s.Key.From <= cdr.EndDateTime && cdr.EndDateTime < s.Key.To)
            .ToList();
        var disputes = await settlement.FindDisputesAsync(cpo, [cdr.Id], cancellationToken);
        return new CdrTrail(cdr, sessionId, session, reference, authorization, settled, statements, disputes.GetValueOrDefault(cdr.Id), Compare(cdr));
    }

    /// <summary>A session of <paramref name="cpo"/> and its authorization; NotFound when there is none.</summary>
    public async Task<SessionTrail> SessionAsync(CallerIdentity caller, PartyKey cpo, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        var session = await sessions.GetAsync(cpo, Id(sessionId, "session_id"), cancellationToken)
            ?? throw new HubException(HubErrorCode.NotFound, $"there is no session '{sessionId}' of {cpo}");
        var authorization = session.AuthorizationReference is { } reference ? await authorizations.GetAsync(reference, cancellationToken) : null;
        return new SessionTrail(session, authorization);
    }

    /// <summary>An authorization decision by its reference and the token it was about; NotFound when none is recorded.</summary>
    public async Task<AuthorizationTrail> AuthorizationAsync(CallerIdentity caller, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        var authorization = await authorizations.GetAsync(Id(reference, "authorization_reference"), cancellationToken)
            ?? throw new HubException(HubErrorCode.NotFound, $"there is no authorization '{reference}'");
        return new AuthorizationTrail(authorization, await tokens.GetAsync(authorization.Type, authorization.Uid, cancellationToken));
    }

    /// <summary>A token by type and uid; NotFound when the hub does not know it.</summary>
    public async Task<TokenRecord> TokenAsync(CallerIdentity caller, TokenType type, string uid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        return await tokens.GetAsync(type, Id(uid, "uid"), cancellationToken)
            ?? throw new HubException(HubErrorCode.NotFound, $"there is no {type} token '{uid}'");
    }

    /// <summary>A location of <paramref name="cpo"/> with its EVSEs and their statuses; NotFound when unknown.</summary>
    public async Task<LocationData> LocationAsync(CallerIdentity caller, PartyKey cpo, string locationId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        return await Location(cpo, Id(locationId, "location_id")).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"there is no location '{locationId}' of {cpo}");
    }

    private ILocationGrain Location(PartyKey cpo, string locationId) => grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId));

    private static string Id(string? id, string field) =>
        string.IsNullOrEmpty(id) || id.Length > MaxIdLength || id.Any(char.IsControl)
            ? throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be 1 to {MaxIdLength} printable characters", field)
            : id;

    // The CPO's figures (OCPI total_*_cost) beside the hub's priced breakdown, dimension by dimension.
    private static List<PriceLine> Compare(StoredCdr cdr)
    {
        var hub = CdrIngestor.DeserializeBreakdown(cdr.HubPriceJson);
        Dictionary<string, decimal?> declared = [];
        try
        {
            using var document = JsonDocument.Parse(cdr.OcpiJson);
            foreach (var name in new[] { "total_energy_cost", "total_time_cost", "total_parking_cost", "total_fixed_cost", "total_reservation_cost" })
            {
                declared[name] = document.RootElement.TryGetProperty(name, out var price) && price.ValueKind == JsonValueKind.Object
                    && price.TryGetProperty("excl_vat", out var excl) && excl.TryGetDecimal(out var value) ? value : null;
            }
        }
        catch (JsonException)
        {
            // Stored CDRs were validated as JSON on ingest; a broken one shows no declared breakdown.
        }

        PriceLine Line(string dimension, string field, Cost? hubCost) => new(dimension, declared.GetValueOrDefault(field), hubCost?.ExclVat, hubCost?.InclVat);
        return
        [
            Line("ENERGY", "total_energy_cost", hub?.Energy.Cost),
            Line("TIME", "total_time_cost", hub?.Time.Cost),
            Line("PARKING_TIME", "total_parking_cost", hub?.ParkingTime.Cost),
            Line("FLAT", "total_fixed_cost", hub?.Flat.Cost),
            Line("RESERVATION", "total_reservation_cost", hub?.Reservation.Cost),
            new PriceLine("TOTAL", cdr.TotalCostExclVat, hub?.Total.ExclVat, hub?.Total.InclVat),
        ];
    }

    // The CDR is stored as the CPO sent it (OCPI JSON): its session_id and authorization_reference are read from there.
    private static (string? SessionId, string? Reference) Links(string ocpiJson)
    {
        try
        {
            using var document = JsonDocument.Parse(ocpiJson);
            var root = document.RootElement;
            return (Text(root, "session_id"), Text(root, "authorization_reference"));
        }
        catch (JsonException)
        {
            return (null, null);
        }

        static string? Text(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text : null;
    }
}
