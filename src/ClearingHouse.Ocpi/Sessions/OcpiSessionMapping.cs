using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Ocpi.Transport;

namespace ClearingHouse.Ocpi.Sessions;

/// <summary>
/// Validating conversions between the OCPI Session and the core's <see cref="SessionRecord"/>, with the gRPC edge's
/// field rules (the Domain's <see cref="TokenRules"/>, <see cref="PartyRules"/>, <see cref="SessionRules"/>); each refusal
/// names the OCPI field. Times are UTC cut to whole microseconds (what PostgreSQL keeps, so keyset positions compare the
/// same in memory and in the store); amounts and volumes are exact decimals.
/// </summary>
public static class OcpiSessionMapping
{
    /// <summary>Most charging periods one session (or one PATCH) carries.</summary>
    public const int MaxChargingPeriods = 1000;

    /// <summary>Most dimensions in one charging period.</summary>
    public const int MaxDimensions = 20;

    /// <summary>OCPI's "not available" for a reservation's EVSE and connector; the core keeps it as empty.</summary>
    public const string NotAvailable = "#NA";

    private const decimal MaxVolume = 1_000_000_000m;

    // OCPI's names indexed by the number the core keeps (the wire enums' numbering; 0 = none).
    private static readonly string[] AuthMethods = ["", "AUTH_REQUEST", "COMMAND", "WHITELIST"];

    private static readonly string[] Dimensions =
    [
        "", "CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT", "MIN_CURRENT", "MAX_POWER", "MIN_POWER",
        "PARKING_TIME", "POWER", "RESERVATION_TIME", "STATE_OF_CHARGE", "TIME",
    ];

    // Fields of a Session a PATCH may carry beside the ones the core patches: the object's own key, as sent by partners
    // that PATCH with the whole object.
    private static readonly string[] Patchable = ["status", "kwh", "end_date_time", "charging_periods", "total_cost", "meter_id", "currency", "last_updated"];

    /// <summary>
    /// The session <paramref name="sessionId"/> (the URL's) of <paramref name="cpo"/>: InvalidArgument naming the field
    /// when malformed, PermissionDenied when its country_code/party_id name another party (as over gRPC).
    /// </summary>
    public static SessionRecord ToRecord(OcpiSession session, PartyKey cpo, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(session);
        var country = OcpiFields.Required(session.CountryCode, "country_code");
        var party = OcpiFields.Required(session.PartyId, "party_id");
        // OCPI's CiString: compared without case, as the receiver URL is.
        if (!string.Equals(country, cpo.CountryCode, StringComparison.OrdinalIgnoreCase) || !string.Equals(party, cpo.PartyId, StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"the session belongs to {Shown(country)}-{Shown(party)}; a CPO may only put sessions under its own country_code and party_id ({cpo.CountryCode}-{cpo.PartyId})");
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(sessionId, required: true), "id");
        if (session.Id is not null && !string.Equals(session.Id, sessionId, StringComparison.Ordinal))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"id '{Shown(session.Id)}' differs from the URL's '{Shown(sessionId)}'", "id");
        }

        var start = Time(OcpiFields.Required(session.StartDateTime, "start_date_time"));
        DateTimeOffset? end = session.EndDateTime is { } e ? Time(e) : null;
        var kwh = Volume(OcpiFields.Required(session.Kwh, "kwh"), "kwh");
        var token = OcpiFields.Required(session.CdrToken, "cdr_token");
        HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(token.CountryCode), "cdr_token.country_code");
        HubException.ThrowIfInvalid(PartyRules.ValidatePartyId(token.PartyId), "cdr_token.party_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(token.Uid), "cdr_token.uid");
        var tokenType = OcpiFields.Enum<TokenType>(token.Type, "cdr_token.type");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(token.ContractId, required: true), "cdr_token.contract_id");
        var authMethod = Named(AuthMethods, session.AuthMethod, "auth_method");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.AuthorizationReference, required: false), "authorization_reference");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.LocationId, required: true), "location_id");
        var evseUid = OrNotAvailable(session.EvseUid, "evse_uid");
        var connectorId = OrNotAvailable(session.ConnectorId, "connector_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateText(session.MeterId, required: false, 255), "meter_id");
        var currency = Currency(session.Currency, "currency");
        var status = OcpiFields.Enum<SessionStatus>(session.Status, "status");
        var lastUpdated = Time(OcpiFields.Required(session.LastUpdated, "last_updated"));
        var record = new SessionRecord
        {
            Cpo = cpo,
            Id = sessionId,
            Emsp = new PartyKey(token.CountryCode!, token.PartyId!, PartyRole.Emsp),
            Start = start,
            End = end,
            Kwh = kwh,
            TokenUid = token.Uid!,
            TokenType = tokenType,
            ContractId = token.ContractId!,
            AuthMethod = authMethod,
            AuthorizationReference = NullIfEmpty(session.AuthorizationReference),
            LocationId = session.LocationId!,
            EvseUid = evseUid,
            ConnectorId = connectorId,
            MeterId = NullIfEmpty(session.MeterId),
            Currency = currency,
            ChargingPeriods = Periods(session.ChargingPeriods, start),
            TotalCost = session.TotalCost is { } cost ? Price(cost, "total_cost") : null,
            Status = status,
            LastUpdated = lastUpdated,
        };
        if (SessionRules.ValidateAlone(record.Facts) is { } problem)
        {
            throw Renamed(new HubException(HubErrorCode.InvalidArgument, problem.Message, problem.Field));
        }

        return record;
    }

    /// <summary>
    /// A PATCH: the fields the core patches (status, kwh, end_date_time, total_cost, meter_id; charging_periods are
    /// appended, as OCPI says); last_updated required. The session's key may be repeated; any other field is refused
    /// naming it (change it with a PUT of the whole session), never silently dropped.
    /// </summary>
    public static SessionPatch ToPatch(OcpiSession patch, PartyKey cpo, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(patch);
        HubException.ThrowIfInvalid(TokenRules.ValidateId(sessionId, required: true), "id");
        Same(patch.CountryCode, cpo.CountryCode, "country_code");
        Same(patch.PartyId, cpo.PartyId, "party_id");
        Same(patch.Id, sessionId, "id");
        foreach (var (value, field) in new (object?, string)[]
        {
            (patch.StartDateTime, "start_date_time"), (patch.CdrToken, "cdr_token"), (patch.AuthMethod, "auth_method"),
            (patch.AuthorizationReference, "authorization_reference"), (patch.LocationId, "location_id"), (patch.EvseUid, "evse_uid"),
            (patch.ConnectorId, "connector_id"),
        })
        {
            if (value is not null)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{field}: the hub patches only {string.Join(", ", Patchable)}; PUT the whole session to change {field}", field);
            }
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateText(patch.MeterId, required: false, 255), "meter_id");
        var currency = patch.Currency is null ? null : Currency(patch.Currency, "currency");
        return new SessionPatch
        {
            LastUpdated = Time(OcpiFields.Required(patch.LastUpdated, "last_updated")),
            Status = patch.Status is null ? null : OcpiFields.Enum<SessionStatus>(patch.Status, "status"),
            Kwh = patch.Kwh is { } kwh ? Volume(kwh, "kwh") : null,
            End = patch.EndDateTime is { } end ? Time(end) : null,
            AddChargingPeriods = Periods(patch.ChargingPeriods, DateTimeOffset.MinValue),
            TotalCost = patch.TotalCost is { } cost ? Price(cost, "total_cost") : null,
            MeterId = patch.MeterId,
            TotalCostCurrency = currency,
        };
    }

    /// <summary>The OCPI form of a stored session.</summary>
    public static OcpiSession ToOcpi(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new OcpiSession(
            session.Cpo.CountryCode, session.Cpo.PartyId, session.Id, session.Start, session.End, session.Kwh,
            new OcpiCdrToken(session.Emsp.CountryCode, session.Emsp.PartyId, session.TokenUid, OcpiFields.Name(session.TokenType), session.ContractId),
            AuthMethods[session.AuthMethod], session.AuthorizationReference, session.LocationId,
            session.EvseUid.Length == 0 ? NotAvailable : session.EvseUid, session.ConnectorId.Length == 0 ? NotAvailable : session.ConnectorId,
            session.MeterId, session.Currency,
            session.ChargingPeriods.Count == 0 ? null : [.. session.ChargingPeriods.Select(p => new OcpiChargingPeriod(
                p.Start, [.. p.Dimensions.Select(d => new OcpiCdrDimension(Dimensions[d.Type], d.Volume))], p.TariffId))],
            session.TotalCost is { } cost ? new OcpiPrice(cost.ExclVat, cost.InclVat) : null,
            OcpiFields.Name(session.Status), session.LastUpdated);
    }

    /// <summary>
    /// The core names a session's fields as the gRPC request does (<c>session.kwh</c>, <c>page.page_token</c>); over
    /// OCPI the session is the body and the page position is the next link's <c>cursor</c>.
    /// </summary>
    public static HubException Renamed(HubException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        const string prefix = "session.";
        return exception.Field switch
        {
            { } field when field.StartsWith(prefix, StringComparison.Ordinal) =>
                new HubException(exception.Code, exception.Message.Replace(prefix, "", StringComparison.Ordinal), field[prefix.Length..]),
            "page.page_token" => new HubException(exception.Code, "cursor is not one this hub returned", "cursor"),
            _ => exception,
        };
    }

    private static List<ChargingPeriodRecord> Periods(IReadOnlyList<OcpiChargingPeriod?>? periods, DateTimeOffset sessionStart)
    {
        const string field = "charging_periods";
        periods ??= [];
        if (periods.Count > MaxChargingPeriods)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} may hold at most {MaxChargingPeriods} periods", field);
        }

        var list = new List<ChargingPeriodRecord>(periods.Count);
        var previous = sessionStart;
        for (var i = 0; i < periods.Count; i++)
        {
            var at = $"{field}[{i}]";
            var period = OcpiFields.Required(periods[i], at);
            var start = Time(OcpiFields.Required(period.StartDateTime, $"{at}.start_date_time"));
            if (start < previous)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{at}.start_date_time must not be before the session's start or the previous period", $"{at}.start_date_time");
            }

            var dimensions = OcpiFields.Required(period.Dimensions, $"{at}.dimensions");
            if (dimensions.Count is 0 or > MaxDimensions)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{at}.dimensions must hold 1 to {MaxDimensions} values", $"{at}.dimensions");
            }

            var records = new List<CdrDimensionRecord>(dimensions.Count);
            for (var j = 0; j < dimensions.Count; j++)
            {
                var d = OcpiFields.Required(dimensions[j], $"{at}.dimensions[{j}]");
                records.Add(new CdrDimensionRecord(
                    Named(Dimensions, d.Type, $"{at}.dimensions[{j}].type"),
                    Volume(OcpiFields.Required(d.Volume, $"{at}.dimensions[{j}].volume"), $"{at}.dimensions[{j}].volume")));
            }

            HubException.ThrowIfInvalid(TokenRules.ValidateId(period.TariffId, required: false), $"{at}.tariff_id");
            list.Add(new ChargingPeriodRecord(start, records, NullIfEmpty(period.TariffId)));
            previous = start;
        }

        return list;
    }

    private static PriceRecord Price(OcpiPrice price, string field)
    {
        var excl = OcpiFields.Required(price.ExclVat, $"{field}.excl_vat");
        if (excl < 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.excl_vat must not be negative", $"{field}.excl_vat");
        }

        if (price.InclVat < 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.incl_vat must not be negative", $"{field}.incl_vat");
        }

        return new PriceRecord(excl, price.InclVat);
    }

    private static decimal Volume(decimal value, string field) =>
        value is >= 0 and <= MaxVolume ? value : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be a number from 0 to 1e9", field);

    private static string Currency(string? value, string field)
    {
        var currency = OcpiFields.Required(value, field);
        return currency.Length == 3 && currency.All(char.IsAsciiLetterUpper)
            ? currency
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be an ISO 4217 code of 3 upper-case letters", field);
    }

    // An EVSE uid or connector id, or OCPI's #NA (a reservation not yet at an EVSE), kept as empty.
    private static string OrNotAvailable(string? value, string field)
    {
        if (value == NotAvailable)
        {
            return "";
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(value, required: true), field);
        return value!;
    }

    private static int Named(string[] names, string? value, string field)
    {
        var text = OcpiFields.Required(value, field);
        var index = Array.IndexOf(names, text);
        return index > 0 ? index : throw new HubException(HubErrorCode.InvalidArgument, $"{field}: unknown value '{Shown(text)}'", field);
    }

    private static void Same(string? value, string expected, string field)
    {
        if (value is not null && !string.Equals(value, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} '{Shown(value)}' differs from the URL's '{expected}'", field);
        }
    }

    private static DateTimeOffset Time(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Shown(string value) => value.Length > 36 ? value[..36] + "..." : value;
}
