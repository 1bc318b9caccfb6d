using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Server.Tokens;
using Google.Protobuf.WellKnownTypes;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using ProtoSession = ClearingHouse.Contracts.V1.Session;
using ProtoStatus = ClearingHouse.Contracts.V1.SessionStatus;
using SessionStatus = ClearingHouse.Domain.Sessions.SessionStatus;

namespace ClearingHouse.Server.Grpc;

/// <summary>Conversions between session messages and records, validating on the way in.</summary>
public static class SessionProtoMapping
{
    /// <summary>Most charging periods a session holds.</summary>
    public const int MaxChargingPeriods = 1000;

    /// <summary>Most dimensions in one charging period.</summary>
    public const int MaxDimensions = 20;

    /// <summary>Longest meter id (OCPI string(255)).</summary>
    public const int MaxMeterIdLength = 255;

    /// <summary>
    /// The session of <paramref name="cpo"/>: InvalidArgument naming the field when malformed,
    /// PermissionDenied when its country_code/party_id are not the caller's.
    /// </summary>
    public static SessionRecord ToRecord(ProtoSession? session, PartyKey cpo)
    {
        const string f = "session";
        if (session is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "session is required", f);
        }

        if (session.CountryCode != cpo.CountryCode || session.PartyId != cpo.PartyId)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"the session belongs to {session.CountryCode}-{session.PartyId}; a CPO may only put sessions under its own country_code and party_id ({cpo.CountryCode}-{cpo.PartyId})");
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.Id, required: true), $"{f}.id");
        var start = session.StartDateTime is { } s ? ToTime(s, $"{f}.start_date_time") : throw Required($"{f}.start_date_time");
        DateTimeOffset? end = session.EndDateTime is { } e ? ToTime(e, $"{f}.end_date_time") : null;
        var kwh = ToVolume(session.Kwh, $"{f}.kwh");
        var token = session.CdrToken ?? throw Required($"{f}.cdr_token");
        HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(token.CountryCode), $"{f}.cdr_token.country_code");
        HubException.ThrowIfInvalid(PartyRules.ValidatePartyId(token.PartyId), $"{f}.cdr_token.party_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(token.Uid), $"{f}.cdr_token.uid");
        var tokenType = TokenProtoMapping.ToType(token.Type, $"{f}.cdr_token.type");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(token.ContractId, required: true), $"{f}.cdr_token.contract_id");
        if (session.AuthMethod is not (AuthMethod.AuthRequest or AuthMethod.Command or AuthMethod.Whitelist))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{f}.auth_method must be AUTH_REQUEST, COMMAND or WHITELIST", $"{f}.auth_method");
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.AuthorizationReference, required: false), $"{f}.authorization_reference");
        // Locations are another issue: only the ids' format is checked here, not that the CPO owns them.
        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.LocationId, required: true), $"{f}.location_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.EvseUid, required: true), $"{f}.evse_uid");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(session.ConnectorId, required: true), $"{f}.connector_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateText(session.MeterId, required: false, MaxMeterIdLength), $"{f}.meter_id");
        if (session.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{f}.currency must be an ISO 4217 code of 3 upper-case letters", $"{f}.currency");
        }

        var periods = ToPeriods(session.ChargingPeriods, start, $"{f}.charging_periods");
        var status = ToStatus(session.Status, $"{f}.status");
        var lastUpdated = session.LastUpdated is { } u ? ToTime(u, $"{f}.last_updated") : throw Required($"{f}.last_updated");
        var record = new SessionRecord
        {
            Cpo = cpo,
            Id = session.Id,
            Emsp = new PartyKey(token.CountryCode, token.PartyId, PartyRole.Emsp),
            Start = start,
            End = end,
            Kwh = kwh,
            TokenUid = token.Uid,
            TokenType = tokenType,
            ContractId = token.ContractId,
            AuthMethod = (int)session.AuthMethod,
            AuthorizationReference = NullIfEmpty(session.AuthorizationReference),
            LocationId = session.LocationId,
            EvseUid = session.EvseUid,
            ConnectorId = session.ConnectorId,
            MeterId = NullIfEmpty(session.MeterId),
            Currency = currency,
            ChargingPeriods = periods,
            TotalCost = session.TotalCost is { } cost ? ToPrice(cost, currency, $"{f}.total_cost") : null,
            Status = status,
            LastUpdated = lastUpdated,
        };
        if (SessionRules.ValidateAlone(record.Facts) is { } problem)
        {
            throw new HubException(HubErrorCode.InvalidArgument, problem.Message, problem.Field);
        }

        return record;
    }

    /// <summary>The patch of a PatchSession request (InvalidArgument naming the field when malformed).</summary>
    public static SessionPatch ToPatch(PatchSessionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var lastUpdated = request.LastUpdated is { } u ? ToTime(u, "last_updated") : throw Required("last_updated");
        if (request.HasMeterId)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateText(request.MeterId, required: false, MaxMeterIdLength), "meter_id");
        }

        return new SessionPatch
        {
            LastUpdated = lastUpdated,
            Status = request.Status == ProtoStatus.Unspecified ? null : ToStatus(request.Status, "status"),
            Kwh = request.HasKwh ? ToVolume(request.Kwh, "kwh") : null,
            End = request.EndDateTime is { } e ? ToTime(e, "end_date_time") : null,
            AddChargingPeriods = ToPeriods(request.ChargingPeriods, DateTimeOffset.MinValue, "charging_periods"),
            TotalCost = request.TotalCost is { } cost ? ToPrice(cost, cost.Currency, "total_cost") : null,
            MeterId = request.HasMeterId ? request.MeterId : null,
            TotalCostCurrency = request.TotalCost?.Currency,
        };
    }

    /// <summary>The wire form of a session; <paramref name="stuck"/> as the hub judges it now.</summary>
    public static ProtoSession ToProto(this SessionRecord session, bool stuck)
    {
        ArgumentNullException.ThrowIfNull(session);
        var proto = new ProtoSession
        {
            CountryCode = session.Cpo.CountryCode,
            PartyId = session.Cpo.PartyId,
            Id = session.Id,
            StartDateTime = Timestamp.FromDateTimeOffset(session.Start),
            Kwh = (double)session.Kwh,
            CdrToken = new CdrToken
            {
                CountryCode = session.Emsp.CountryCode,
                PartyId = session.Emsp.PartyId,
                Uid = session.TokenUid,
                Type = (Contracts.V1.TokenType)session.TokenType,
                ContractId = session.ContractId,
            },
            AuthMethod = (AuthMethod)session.AuthMethod,
            AuthorizationReference = session.AuthorizationReference ?? "",
            LocationId = session.LocationId,
            EvseUid = session.EvseUid,
            ConnectorId = session.ConnectorId,
            MeterId = session.MeterId ?? "",
            Currency = session.Currency,
            Status = (ProtoStatus)session.Status,
            LastUpdated = Timestamp.FromDateTimeOffset(session.LastUpdated),
            Emsp = session.Emsp.ToProto(),
            AuthorizationRecorded = session.AuthorizationRecorded,
            ReceivedAt = Timestamp.FromDateTimeOffset(session.ReceivedAt),
            Stuck = stuck,
        };
        if (session.End is { } end)
        {
            proto.EndDateTime = Timestamp.FromDateTimeOffset(end);
        }

        if (session.TotalCost is { } cost)
        {
            proto.TotalCost = new Price
            {
                ExclVat = cost.ExclVat.ToString(CultureInfo.InvariantCulture),
                InclVat = cost.InclVat?.ToString(CultureInfo.InvariantCulture) ?? "",
                Currency = session.Currency,
            };
        }

        foreach (var period in session.ChargingPeriods)
        {
            var p = new ChargingPeriod { StartDateTime = Timestamp.FromDateTimeOffset(period.Start), TariffId = period.TariffId ?? "" };
            foreach (var d in period.Dimensions)
            {
                p.Dimensions.Add(new CdrDimension { Type = (CdrDimensionType)d.Type, Volume = (double)d.Volume });
            }

            proto.ChargingPeriods.Add(p);
        }

        return proto;
    }

    /// <summary>The domain status; InvalidArgument when unspecified or unknown.</summary>
    public static SessionStatus ToStatus(ProtoStatus status, string field) =>
        status is ProtoStatus.Active or ProtoStatus.Completed or ProtoStatus.Invalid or ProtoStatus.Pending or ProtoStatus.Reservation
            ? (SessionStatus)status
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of ACTIVE, COMPLETED, INVALID, PENDING, RESERVATION", field);

    /// <summary>
    /// A timestamp as UTC, cut to whole microseconds: PostgreSQL keeps microseconds, and keyset positions
    /// must compare the same in memory and in the store.
    /// </summary>
    public static DateTimeOffset ToTime(Timestamp timestamp, string field)
    {
        var t = ProtoMapping.ToInstant(timestamp, field);
        return new DateTimeOffset(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);
    }

    private static List<ChargingPeriodRecord> ToPeriods(IList<ChargingPeriod> periods, DateTimeOffset sessionStart, string field)
    {
        if (periods.Count > MaxChargingPeriods)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} may hold at most {MaxChargingPeriods} periods", field);
        }

        var list = new List<ChargingPeriodRecord>(periods.Count);
        var previous = sessionStart;
        for (var i = 0; i < periods.Count; i++)
        {
            var p = periods[i];
            var at = $"{field}[{i}]";
            var start = p.StartDateTime is { } s ? ToTime(s, $"{at}.start_date_time") : throw Required($"{at}.start_date_time");
            if (start < previous)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{at}.start_date_time must not be before the session's start or the previous period", $"{at}.start_date_time");
            }

            if (p.Dimensions.Count is 0 or > MaxDimensions)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{at}.dimensions must hold 1 to {MaxDimensions} values", $"{at}.dimensions");
            }

            var dimensions = new List<CdrDimensionRecord>(p.Dimensions.Count);
            for (var j = 0; j < p.Dimensions.Count; j++)
            {
                var d = p.Dimensions[j];
                if (d.Type is CdrDimensionType.Unspecified || !System.Enum.IsDefined(d.Type))
                {
                    throw new HubException(HubErrorCode.InvalidArgument, $"{at}.dimensions[{j}].type is required", $"{at}.dimensions[{j}].type");
                }

                dimensions.Add(new CdrDimensionRecord((int)d.Type, ToVolume(d.Volume, $"{at}.dimensions[{j}].volume")));
            }

            HubException.ThrowIfInvalid(TokenRules.ValidateId(p.TariffId, required: false), $"{at}.tariff_id");
            list.Add(new ChargingPeriodRecord(start, dimensions, NullIfEmpty(p.TariffId)));
            previous = start;
        }

        return list;
    }

    private static decimal ToVolume(double value, string field)
    {
        if (!double.IsFinite(value) || value < 0 || value > 1e9)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be a finite number from 0 to 1e9", field);
        }

        return Math.Round((decimal)value, 6);
    }

    private static PriceRecord ToPrice(Price price, string currency, string field)
    {
        if (!string.IsNullOrEmpty(price.Currency) && price.Currency != currency)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.currency must be the session's currency {currency}", $"{field}.currency");
        }

        var excl = ToAmount(price.ExclVat, $"{field}.excl_vat") ?? throw Required($"{field}.excl_vat");
        var incl = ToAmount(price.InclVat, $"{field}.incl_vat");
        return new PriceRecord(excl, incl);
    }

    private static decimal? ToAmount(string text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be a non-negative decimal such as \"12.50\"", field);
    }

    private static HubException Required(string field) => new(HubErrorCode.InvalidArgument, $"{field} is required", field);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
