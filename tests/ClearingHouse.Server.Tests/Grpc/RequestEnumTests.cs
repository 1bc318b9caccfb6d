using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Grpc;

/// <summary>
/// An enum number a request's proto does not define (99, -1: a newer or broken client) is InvalidArgument naming the
/// field, never read as "not set" and never cast through. One row per request enum the hub reads; the rest of each
/// request is valid, so the enum is what fails.
/// </summary>
public sealed class RequestEnumTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var field in new[]
        {
            "ListDisputes.state", "MoveDispute.to", "ExportStatement.format", "ListParties.role", "GetParty.party.role",
            "GetToken.type", "PatchToken.whitelist", "PatchToken.default_profile_type", "PatchSession.status",
            "PutTariff.tariff.type", "PutTariff.tariff.elements[0].price_components[0].type",
            "PutTariff.tariff.elements[0].restrictions.day_of_week[0]", "PutTariff.tariff.elements[0].restrictions.reservation",
            "PutTariff.tariff.energy_mix.energy_sources[0].source", "PutTariff.tariff.energy_mix.environ_impact[0].category",
        })
        {
            data.Add(field, 99);
            data.Add(field, -1);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Call_UnknownEnumNumber_InvalidArgumentNamingField(string rpcAndField, int number)
    {
        var hub = fixture.Hub;
        var roaming = await Roaming.SetUpAsync(hub);
        var op = hub.Channel(hub.OperatorSecret);
        var field = rpcAndField[(rpcAndField.IndexOf('.', StringComparison.Ordinal) + 1)..];
        Func<Task> call = rpcAndField switch
        {
            "ListDisputes.state" => () => new DisputeService.DisputeServiceClient(op).ListDisputesAsync(new ListDisputesRequest { State = (DisputeState)number }).ResponseAsync,
            "MoveDispute.to" => () => new DisputeService.DisputeServiceClient(op).MoveDisputeAsync(new MoveDisputeRequest { Id = 1, To = (DisputeState)number, Reason = "x" }).ResponseAsync,
            "ExportStatement.format" => () => ReadAllAsync(new SettlementService.SettlementServiceClient(op).ExportStatement(new ExportStatementRequest { Number = 1, Format = (StatementFormat)number })),
            "ListParties.role" => () => new PartyAdminService.PartyAdminServiceClient(op).ListPartiesAsync(new ListPartiesRequest { Role = (PartyRole)number }).ResponseAsync,
            "GetParty.party.role" => () => new PartyAdminService.PartyAdminServiceClient(op).GetPartyAsync(new GetPartyRequest { Party = new PartyRef(roaming.Cpo) { Role = (PartyRole)number } }).ResponseAsync,
            "GetToken.type" => () => new TokenService.TokenServiceClient(roaming.EmspChannel(hub)).GetTokenAsync(new GetTokenRequest { Uid = "T1", Type = (TokenType)number }).ResponseAsync,
            "PatchToken.whitelist" => () => new TokenService.TokenServiceClient(roaming.EmspChannel(hub)).PatchTokenAsync(new PatchTokenRequest { Uid = "T1", Type = TokenType.Rfid, Whitelist = (WhitelistType)number }).ResponseAsync,
            "PatchToken.default_profile_type" => () => new TokenService.TokenServiceClient(roaming.EmspChannel(hub)).PatchTokenAsync(new PatchTokenRequest { Uid = "T1", Type = TokenType.Rfid, DefaultProfileType = (ProfileType)number }).ResponseAsync,
            "PatchSession.status" => () => new SessionService.SessionServiceClient(roaming.CpoChannel(hub)).PatchSessionAsync(new PatchSessionRequest { SessionId = "S1", Status = (SessionStatus)number, LastUpdated = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) }).ResponseAsync,
            _ => () => new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { Tariff = Tariff(field, number) }).ResponseAsync,
        };

        var ex = await AssertFails(StatusCode.InvalidArgument, call);

        Assert.True(ViolatedFields(ex).Contains(field), $"{rpcAndField} = {number}: '{ex.Status.Detail}' names [{string.Join(", ", ViolatedFields(ex))}], expected {field}");
    }

    private static async Task ReadAllAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
    }

    // A valid typed tariff with the one enum under test set to the number.
    private static OcpiTariff Tariff(string field, int number)
    {
        var restrictions = new TariffRestrictions();
        var component = new PriceComponent { Type = TariffDimensionType.Energy, Price = "0.25", StepSize = 1 };
        var tariff = new OcpiTariff { Id = "T-ENUM", Currency = "EUR", Elements = { new TariffElement { PriceComponents = { component }, Restrictions = restrictions } } };
        switch (field)
        {
            case "tariff.type":
                tariff.Type = (TariffType)number;
                break;
            case "tariff.elements[0].price_components[0].type":
                component.Type = (TariffDimensionType)number;
                break;
            case "tariff.elements[0].restrictions.day_of_week[0]":
                restrictions.DayOfWeek.Add((ClearingHouse.Contracts.V1.DayOfWeek)number);
                break;
            case "tariff.elements[0].restrictions.reservation":
                restrictions.Reservation = (ReservationRestrictionType)number;
                break;
            case "tariff.energy_mix.energy_sources[0].source":
                tariff.EnergyMix = new EnergyMix { EnergySources = { new EnergySource { Source = (EnergySourceCategory)number, Percentage = "100" } } };
                break;
            default:
                tariff.EnergyMix = new EnergyMix { EnvironImpact = { new EnvironmentalImpact { Category = (EnvironmentalImpactCategory)number, Amount = "1" } } };
                break;
        }

        return tariff;
    }
}
