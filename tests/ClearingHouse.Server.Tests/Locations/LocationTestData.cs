using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Locations;

/// <summary>A CPO and an EMSP with an agreement, their clients, and location builders.</summary>
public sealed record Roaming(PartyRef Cpo, PartyRef Emsp, string CpoSecret, LocationService.LocationServiceClient CpoClient, LocationService.LocationServiceClient EmspClient)
{
    /// <summary>Registers a CPO and an EMSP (with an agreement unless <paramref name="agreement"/> is false) on a hub.</summary>
    public static async Task<Roaming> SetUpAsync(HubHost hub, bool agreement = true, string country = "NL", HubHost? emspHub = null)
    {
        var admin = hub.Channel(hub.OperatorSecret);
        var cpo = Unique(PartyRole.Cpo, country);
        var emsp = Unique(PartyRole.Emsp, "DE");
        var cpoSecret = await RegisterWithCredentialAsync(admin, cpo);
        var emspSecret = await RegisterWithCredentialAsync(admin, emsp);
        if (agreement)
        {
            await new PartyAdminService.PartyAdminServiceClient(admin).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        }

        return new Roaming(cpo, emsp, cpoSecret, new LocationService.LocationServiceClient(hub.Channel(cpoSecret)),
            new LocationService.LocationServiceClient((emspHub ?? hub).Channel(emspSecret)));
    }
}

/// <summary>Builders of valid OCPI locations and status messages.</summary>
public static class LocationTestData
{
    /// <summary>A base instant in the past, so updates are never "in the future".</summary>
    public static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddDays(-1);

    /// <summary>A valid location with <paramref name="evses"/> EVSEs named E1..En, all AVAILABLE at T0.</summary>
    public static Location Location(string id, int evses = 2)
    {
        var location = new Location
        {
            Id = id,
            Publish = true,
            Name = "Station " + id,
            Address = "Kerkstraat 1",
            City = "Amsterdam",
            PostalCode = "1011AB",
            Country = "NLD",
            Coordinates = new GeoLocation { Latitude = "52.3702157", Longitude = "4.8951679" },
            TimeZone = "Europe/Amsterdam",
            OpeningTimes = new Hours { Twentyfourseven = true },
            Facilities = { Facility.Cafe },
            LastUpdated = Timestamp.FromDateTimeOffset(T0),
        };
        for (var i = 1; i <= evses; i++)
        {
            location.Evses.Add(new Evse
            {
                Uid = "E" + i,
                EvseId = $"NL*ABC*E{i}",
                Status = EvseStatus.Available,
                LastUpdated = Timestamp.FromDateTimeOffset(T0),
                Connectors =
                {
                    new Connector
                    {
                        Id = "1", Standard = ConnectorType.Iec62196T2, Format = ConnectorFormat.Socket, PowerType = PowerType.Ac3Phase,
                        MaxVoltage = 230, MaxAmperage = 32, MaxElectricPower = 22000, TariffIds = { "T1" },
                        LastUpdated = Timestamp.FromDateTimeOffset(T0),
                    },
                },
            });
        }

        return location;
    }

    /// <summary>One status update at T0 + <paramref name="seconds"/>.</summary>
    public static StatusUpdate Update(string location, string evse, EvseStatus status, int seconds) => new()
    {
        LocationId = location,
        EvseUid = evse,
        Status = status,
        LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(seconds)),
    };

    /// <summary>Streams the messages and returns the summary.</summary>
    public static async Task<StreamStatusUpdatesResponse> SendAsync(LocationService.LocationServiceClient client, params StatusUpdate[][] messages)
    {
        using var call = client.StreamStatusUpdates();
        foreach (var message in messages)
        {
            var request = new StreamStatusUpdatesRequest();
            request.Updates.AddRange(message);
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    /// <summary>Reads from a subscription until <paramref name="count"/> events arrived; returns them and the last cursor.</summary>
    public static async Task<(List<StatusEvent> Events, string Cursor)> ReadEventsAsync(IAsyncStreamReader<SubscribeStatusResponse> stream, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var events = new List<StatusEvent>();
        var cursor = "";
        while (events.Count < count && await stream.MoveNext(cts.Token))
        {
            var m = stream.Current;
            if (m.KindCase == SubscribeStatusResponse.KindOneofCase.Batch)
            {
                events.AddRange(m.Batch.Events);
                cursor = m.Batch.Cursor;
            }
        }

        return (events, cursor);
    }

    /// <summary>Opens a subscription and waits for its first (subscribed) message; returns the call and that cursor.</summary>
    public static async Task<(AsyncServerStreamingCall<SubscribeStatusResponse> Call, string Cursor)> SubscribeAsync(LocationService.LocationServiceClient client, SubscribeStatusRequest request)
    {
        var call = client.SubscribeStatus(request);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(SubscribeStatusResponse.KindOneofCase.SubscribedCursor, call.ResponseStream.Current.KindCase);
        return (call, call.ResponseStream.Current.SubscribedCursor);
    }
}
