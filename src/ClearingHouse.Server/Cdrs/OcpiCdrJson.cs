using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tariffs;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using D = ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Server.Cdrs;

/// <summary>
/// Writes a typed <see cref="OcpiCdr"/> as the OCPI 2.2.1 CDR JSON object it mirrors, so a typed CDR takes the one
/// ingest path of the JSON form: validated, priced, stored and forwarded to the EMSP as OCPI JSON (the hub forwards a
/// CDR as the CPO sent it). Unset fields are left out; a malformed number is written as a string, so the CDR is
/// rejected on its own, as the same JSON would be, instead of failing the whole batch.
/// </summary>
public static class OcpiCdrJson
{
    private static readonly JsonSerializerOptions TariffJson = new(D.OcpiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private static readonly ConcurrentDictionary<(System.Type, int), string> EnumNames = new();

    /// <summary>The OCPI JSON text of <paramref name="cdr"/>; <paramref name="field"/> is its path for tariff errors.</summary>
    public static string Write(OcpiCdr cdr, string field)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteHead(w, cdr);
            WriteTariffs(w, cdr.Tariffs, $"{field}.tariffs");
            WritePeriods(w, cdr.ChargingPeriods);
            WriteSignedData(w, cdr.SignedData);
            WriteTotals(w, cdr);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteHead(Utf8JsonWriter w, OcpiCdr cdr)
    {
        Text(w, "country_code", cdr.CountryCode);
        Text(w, "party_id", cdr.PartyId);
        Text(w, "id", cdr.Id);
        Time(w, "start_date_time", cdr.StartDateTime);
        Time(w, "end_date_time", cdr.EndDateTime);
        Text(w, "session_id", cdr.SessionId);
        if (cdr.CdrToken is { } token)
        {
            w.WriteStartObject("cdr_token");
            Text(w, "country_code", token.CountryCode);
            Text(w, "party_id", token.PartyId);
            Text(w, "uid", token.Uid);
            Enum(w, "type", token.Type, "TOKEN_TYPE_");
            Text(w, "contract_id", token.ContractId);
            w.WriteEndObject();
        }

        Enum(w, "auth_method", cdr.AuthMethod, "AUTH_METHOD_");
        Text(w, "authorization_reference", cdr.AuthorizationReference);
        WriteLocation(w, cdr.CdrLocation);
        Text(w, "meter_id", cdr.MeterId);
        Text(w, "currency", cdr.Currency);
    }

    private static void WriteLocation(Utf8JsonWriter w, CdrLocation? location)
    {
        if (location is null)
        {
            return;
        }

        w.WriteStartObject("cdr_location");
        Text(w, "id", location.Id);
        Text(w, "name", location.Name);
        Text(w, "address", location.Address);
        Text(w, "city", location.City);
        Text(w, "postal_code", location.PostalCode);
        Text(w, "state", location.State);
        Text(w, "country", location.Country);
        if (location.Coordinates is { } at)
        {
            w.WriteStartObject("coordinates");
            Text(w, "latitude", at.Latitude);
            Text(w, "longitude", at.Longitude);
            w.WriteEndObject();
        }

        Text(w, "evse_uid", location.EvseUid);
        Text(w, "evse_id", location.EvseId);
        Text(w, "connector_id", location.ConnectorId);
        Enum(w, "connector_standard", location.ConnectorStandard, "CONNECTOR_TYPE_");
        Enum(w, "connector_format", location.ConnectorFormat, "CONNECTOR_FORMAT_");
        Enum(w, "connector_power_type", location.ConnectorPowerType, "POWER_TYPE_");
        Text(w, "time_zone", location.TimeZone);
        w.WriteEndObject();
    }

    private static void WriteTariffs(Utf8JsonWriter w, RepeatedField<OcpiTariff> tariffs, string field)
    {
        if (tariffs.Count == 0)
        {
            return;
        }

        w.WriteStartArray("tariffs");
        for (var i = 0; i < tariffs.Count; i++)
        {
            w.WriteRawValue(JsonSerializer.Serialize(TariffTypedMapping.FromProto(tariffs[i], $"{field}[{i}]"), TariffJson));
        }

        w.WriteEndArray();
    }

    private static void WritePeriods(Utf8JsonWriter w, RepeatedField<ChargingPeriod> periods)
    {
        if (periods.Count == 0)
        {
            return;
        }

        w.WriteStartArray("charging_periods");
        foreach (var period in periods)
        {
            w.WriteStartObject();
            Time(w, "start_date_time", period.StartDateTime);
            w.WriteStartArray("dimensions");
            foreach (var dimension in period.Dimensions)
            {
                w.WriteStartObject();
                Enum(w, "type", dimension.Type, "CDR_DIMENSION_TYPE_");
                Volume(w, dimension.Volume);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            Text(w, "tariff_id", period.TariffId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteSignedData(Utf8JsonWriter w, SignedData? data)
    {
        if (data is null)
        {
            return;
        }

        w.WriteStartObject("signed_data");
        Text(w, "encoding_method", data.EncodingMethod);
        if (data.EncodingMethodVersion != 0)
        {
            w.WriteNumber("encoding_method_version", data.EncodingMethodVersion);
        }

        Text(w, "public_key", data.PublicKey);
        w.WriteStartArray("signed_values");
        foreach (var value in data.SignedValues)
        {
            w.WriteStartObject();
            Text(w, "nature", value.Nature);
            Text(w, "plain_data", value.PlainData);
            Text(w, "signed_data", value.SignedData);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        Text(w, "url", data.Url);
        w.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter w, OcpiCdr cdr)
    {
        Price(w, "total_cost", cdr.TotalCost);
        Price(w, "total_fixed_cost", cdr.TotalFixedCost);
        Number(w, "total_energy", cdr.TotalEnergy);
        Price(w, "total_energy_cost", cdr.TotalEnergyCost);
        Number(w, "total_time", cdr.TotalTime);
        Price(w, "total_time_cost", cdr.TotalTimeCost);
        Number(w, "total_parking_time", cdr.TotalParkingTime);
        Price(w, "total_parking_cost", cdr.TotalParkingCost);
        Price(w, "total_reservation_cost", cdr.TotalReservationCost);
        Text(w, "remark", cdr.Remark);
        Text(w, "invoice_reference_id", cdr.InvoiceReferenceId);
        if (cdr.HasCredit)
        {
            w.WriteBoolean("credit", cdr.Credit);
        }

        Text(w, "credit_reference_id", cdr.CreditReferenceId);
        if (cdr.HasHomeChargingCompensation)
        {
            w.WriteBoolean("home_charging_compensation", cdr.HomeChargingCompensation);
        }

        Time(w, "last_updated", cdr.LastUpdated);
    }

    private static void Text(Utf8JsonWriter w, string name, string value)
    {
        if (value.Length > 0)
        {
            w.WriteString(name, value);
        }
    }

    private static void Time(Utf8JsonWriter w, string name, Timestamp? time)
    {
        if (time is not null)
        {
            w.WriteString(name, time.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        }
    }

    // An OCPI decimal; text that is not one is written as a string, which the OCPI reader rejects for this CDR only.
    private static void Number(Utf8JsonWriter w, string name, string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Volume(Utf8JsonWriter w, double volume)
    {
        if (double.IsFinite(volume) && Math.Abs(volume) < 1e15)
        {
            w.WriteNumber("volume", Math.Round((decimal)volume, 6));
        }
        else
        {
            w.WriteString("volume", volume.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void Price(Utf8JsonWriter w, string name, Contracts.V1.Price? price)
    {
        if (price is null)
        {
            return;
        }

        w.WriteStartObject(name);
        Number(w, "excl_vat", price.ExclVat);
        Number(w, "incl_vat", price.InclVat);
        w.WriteEndObject();
    }

    // The OCPI name of a wire enum value: its proto name without the type's prefix (TOKEN_TYPE_RFID: RFID).
    private static void Enum<T>(Utf8JsonWriter w, string name, T value, string prefix)
        where T : struct, System.Enum
    {
        var number = Convert.ToInt32(value, CultureInfo.InvariantCulture);
        if (number == 0)
        {
            return;
        }

        w.WriteString(name, EnumNames.GetOrAdd((typeof(T), number), static (key, state) =>
        {
            var original = key.Item1.GetField(state.Value.ToString()!)?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? state.Value.ToString()!;
            return original.StartsWith(state.Prefix, StringComparison.Ordinal) ? original[state.Prefix.Length..] : original;
        }, (Value: (object)value, Prefix: prefix)));
    }
}
