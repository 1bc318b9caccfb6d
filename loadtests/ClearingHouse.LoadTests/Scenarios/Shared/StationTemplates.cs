using System.Globalization;
using ClearingHouse.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>The one charging station (LOC1 with EVSEs E1..En, a connector priced by the CDR template tariff) each test CPO publishes: sessions must run at a location the CPO published.</summary>
public static class StationTemplates
{
    /// <summary>The location id every test CPO uses.</summary>
    public const string LocationId = "LOC1";

    /// <summary>The uid of EVSE number <paramref name="i"/> (1-based).</summary>
    public static string EvseUid(int i) => string.Create(CultureInfo.InvariantCulture, $"E{i}");

    /// <summary>LOC1 (or <paramref name="id"/>) with <paramref name="evses"/> EVSEs, last updated a day ago.</summary>
    public static Location Location(int evses, string id = LocationId)
    {
        var t0 = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(-1));
        var location = new Location
        {
            Id = id,
            Publish = true,
            Name = "Load test station",
            Address = "Kerkstraat 1",
            City = "Amsterdam",
            PostalCode = "1011AB",
            Country = "NLD",
            Coordinates = new GeoLocation { Latitude = "52.3702157", Longitude = "4.8951679" },
            TimeZone = "Europe/Amsterdam",
            OpeningTimes = new Hours { Twentyfourseven = true },
            LastUpdated = t0,
        };
        for (var i = 1; i <= evses; i++)
        {
            location.Evses.Add(new Evse
            {
                Uid = EvseUid(i),
                EvseId = string.Create(CultureInfo.InvariantCulture, $"NL*LDT*E{i}"),
                Status = EvseStatus.Available,
                LastUpdated = t0,
                Connectors =
                {
                    new Connector
                    {
                        Id = "1", Standard = ConnectorType.Iec62196T2, Format = ConnectorFormat.Socket, PowerType = PowerType.Ac3Phase,
                        MaxVoltage = 230, MaxAmperage = 32, MaxElectricPower = 22000, TariffIds = { CdrTemplates.TariffId }, LastUpdated = t0,
                    },
                },
            });
        }

        return location;
    }
}
