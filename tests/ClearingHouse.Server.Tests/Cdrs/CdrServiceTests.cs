using System.Globalization;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>CdrService over real gRPC against an Embedded hub (SQLite CDR store).</summary>
public sealed class CdrServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private static readonly string ReferenceData = Path.Combine(AppContext.BaseDirectory, "TestData", "ocpi-tariffs", "test_data");

    private HubHost Hub => fixture.Hub;

    private async Task<(Roaming Roaming, CdrService.CdrServiceClient Cpo)> SetUpAsync()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        return (roaming, new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)));
    }

    [Fact]
    public async Task SubmitCdrBatch_MixedBatch_EachCdrAcknowledgedOnItsOwn()
    {
        var (roaming, cpo) = await SetUpAsync();
        var bad = roaming.CdrNode("BAD");
        bad["end_date_time"] = "2022-01-13T14:00:00Z";

        var response = await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("OK-1"), bad.ToJsonString(), roaming.Cdr("OK-1"), roaming.Cdr("OK-2", total: 7m) } });

        Assert.Equal([CdrAckStatus.Accepted, CdrAckStatus.Rejected, CdrAckStatus.Duplicate, CdrAckStatus.Accepted], response.Acks.Select(a => a.Status));
        Assert.Equal([0, 1, 2, 3], response.Acks.Select(a => a.Index));
        Assert.Equal(PriceCheckStatus.Matched, response.Acks[0].PriceCheck);
        Assert.Contains("end_date_time", response.Acks[1].Reasons.Select(r => r.Field));
        Assert.Equal(PriceCheckStatus.Mismatch, response.Acks[3].PriceCheck);
        Assert.Equal(0.50m, decimal.Parse(response.Acks[3].HubTotalCost.ExclVat, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SubmitCdrBatch_Resubmitted_DuplicateAndStoredOnceUnchanged()
    {
        var (roaming, cpo) = await SetUpAsync();
        await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("ONCE", total: 0.50m) } });

        var again = await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("ONCE", total: 99m) } });

        Assert.Equal(CdrAckStatus.Duplicate, Assert.Single(again.Acks).Status);
        var stored = await new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "ONCE" });
        Assert.Equal("0.50", stored.Cdr.TotalCost.ExclVat);
    }

    public static TheoryData<string, string> InvalidCdrs() => new()
    {
        { """{"end_date_time": "2022-01-13T14:00:00Z"}""", "end_date_time" },
        { """{"charging_periods": [ { "start_date_time": "2022-01-13T14:30:00Z", "dimensions": [ { "type": "ENERGY", "volume": -1 } ] } ]}""", "charging_periods[0].dimensions[0].volume" },
        { """{"charging_periods": [ { "start_date_time": "2022-01-13T16:30:00Z", "dimensions": [ { "type": "ENERGY", "volume": 1 } ] } ]}""", "charging_periods[0].start_date_time" },
        { """{"total_energy": -2}""", "total_energy" },
        { """{"currency": "USD"}""", "currency" },
        { """{"tariffs": [ { "id": "NOPE", "currency": "EUR", "elements": [] } ]}""", "tariffs[0].id" },
        { """{"cdr_token": null}""", "cdr_token" },
        { """{"cdr_token": { "country_code": "DE", "party_id": "Z99", "uid": "X" }}""", "cdr_token" },
        { """{"party_id": "ZZZ"}""", "party_id" },
        { """{"id": ""}""", "id" },
        { """{"credit": true}""", "credit_reference_id" },
        { """{"credit": true, "credit_reference_id": "NEVER-SUBMITTED"}""", "credit_reference_id" },
        { """{"cdr_location": { "time_zone": "Mars/Olympus" }}""", "cdr_location.time_zone" },
    };

    [Theory]
    [MemberData(nameof(InvalidCdrs))]
    public async Task Rejects_InvalidCdr_WithFieldAndNothingStored(string patch, string field)
    {
        var (roaming, cpo) = await SetUpAsync();
        var node = roaming.CdrNode("R1");
        foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject())
        {
            node[key] = value?.DeepClone();
        }

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { node.ToJsonString() } })).Acks);

        Assert.Equal(CdrAckStatus.Rejected, ack.Status);
        Assert.Contains(field, ack.Reasons.Select(r => r.Field));
        Assert.Empty((await cpo.ListCdrsAsync(new ListCdrsRequest())).Cdrs);
    }

    [Fact]
    public async Task SubmitCdrBatch_MalformedJson_RejectedWithReason()
    {
        var (_, cpo) = await SetUpAsync();

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { "{ not json" } })).Acks);

        Assert.Equal(CdrAckStatus.Rejected, ack.Status);
        Assert.Contains("not a readable OCPI CDR", Assert.Single(ack.Reasons).Description);
    }

    [Fact]
    public async Task SubmitCdrBatch_EmptyBatch_InvalidArgument()
    {
        var (_, cpo) = await SetUpAsync();

        var ex = await AssertFails(StatusCode.InvalidArgument, () => cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest()).ResponseAsync);

        Assert.Equal(["cdrs"], ViolatedFields(ex));
    }

    [Fact]
    public async Task SubmitCdrBatch_ReferenceMinPriceCdr_StoredAndFlaggedWithHubPrice()
    {
        var (roaming, cpo) = await SetUpAsync();
        // The OCPI reference CDR declares 0.30/0.33 although the tariff's min_price is 0.50/0.55.
        var cdr = JsonNode.Parse(File.ReadAllText(Path.Combine(ReferenceData, "025kwh_min_price", "cdr2_less_than_2kWh.json")))!.AsObject();
        cdr["id"] = "REF-MIN";
        cdr["cdr_token"] = new JsonObject { ["country_code"] = roaming.Emsp.CountryCode, ["party_id"] = roaming.Emsp.PartyId, ["uid"] = "T1", ["type"] = "RFID" };
        cdr["tariffs"] = new JsonArray(new JsonObject { ["id"] = "T-MIN", ["currency"] = "EUR", ["elements"] = new JsonArray() });

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { cdr.ToJsonString() } })).Acks);

        Assert.Equal(CdrAckStatus.Accepted, ack.Status);
        Assert.Equal(PriceCheckStatus.Mismatch, ack.PriceCheck);
        var stored = (await new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "REF-MIN" })).Cdr;
        Assert.Equal(PriceCheckStatus.Mismatch, stored.PriceCheck);
        Assert.Equal(0.50m, decimal.Parse(stored.HubPrice.Total.ExclVat, CultureInfo.InvariantCulture));
        Assert.Equal(0.55m, decimal.Parse(stored.HubPrice.Total.InclVat, CultureInfo.InvariantCulture));
        Assert.True(stored.HubPrice.MinPriceApplied);
        Assert.Equal(0.3m, decimal.Parse(stored.TotalCost.ExclVat, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SubmitCdrBatch_CreditCdrOfStoredCdr_Accepted()
    {
        var (roaming, cpo) = await SetUpAsync();
        await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("ORIG") } });
        var credit = roaming.CdrNode("ORIG-CREDIT", total: -0.50m, totalInclVat: -0.55m);
        credit["credit"] = true;
        credit["credit_reference_id"] = "ORIG";

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { credit.ToJsonString() } })).Acks);

        Assert.Equal(CdrAckStatus.Accepted, ack.Status);
        Assert.Equal(PriceCheckStatus.Matched, ack.PriceCheck);
        var stored = (await cpo.GetCdrAsync(new GetCdrRequest { CdrId = "ORIG-CREDIT" })).Cdr;
        Assert.True(stored.Credit);
        Assert.Equal("ORIG", stored.CreditReferenceId);
    }

    [Fact]
    public async Task SubmitCdrs_Stream_EachBatchAcknowledgedInOrder()
    {
        var (roaming, cpo) = await SetUpAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = cpo.SubmitCdrs(cancellationToken: timeout.Token);

        var responses = new List<SubmitCdrsResponse>();
        for (var b = 1; b <= 3; b++)
        {
            await call.RequestStream.WriteAsync(new SubmitCdrsRequest { BatchId = (ulong)b, Cdrs = { roaming.Cdr($"S{b}-1"), roaming.Cdr($"S{b}-2") } });
            Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
            responses.Add(call.ResponseStream.Current);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal([1UL, 2UL, 3UL], responses.Select(r => r.BatchId));
        Assert.All(responses.SelectMany(r => r.Acks), a => Assert.Equal(CdrAckStatus.Accepted, a.Status));
        Assert.Equal(6, (await cpo.ListCdrsAsync(new ListCdrsRequest())).Cdrs.Count);
    }

    [Fact]
    public async Task SubmitCdrBatch_SameCdrInParallel_StoredOnceOthersDuplicate()
    {
        var (roaming, cpo) = await SetUpAsync();
        var cdr = roaming.Cdr("RACE");

        var acks = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ =>
            cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { cdr } }).ResponseAsync));

        var statuses = acks.Select(a => Assert.Single(a.Acks).Status).ToList();
        Assert.Equal(1, statuses.Count(s => s == CdrAckStatus.Accepted));
        Assert.Equal(23, statuses.Count(s => s == CdrAckStatus.Duplicate));
        Assert.Single((await cpo.ListCdrsAsync(new ListCdrsRequest())).Cdrs);
    }

    [Fact]
    public async Task ListCdrs_Paging_CoversAllInTimeOrder()
    {
        var (roaming, cpo) = await SetUpAsync();
        var batch = new SubmitCdrBatchRequest();
        for (var i = 0; i < 9; i++)
        {
            var node = roaming.CdrNode($"P{i}");
            node["end_date_time"] = $"2022-01-13T15:{30 + (8 - i):D2}:00Z"; // reverse id order in time
            batch.Cdrs.Add(node.ToJsonString());
        }

        await cpo.SubmitCdrBatchAsync(batch);
        var emsp = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub));
        var ids = new List<string>();
        var token = "";
        do
        {
            var page = await emsp.ListCdrsAsync(new ListCdrsRequest { Cpo = roaming.Cpo, Page = new PageRequest { PageSize = 4, PageToken = token } });
            ids.AddRange(page.Cdrs.Select(c => c.Id));
            token = page.Page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(Enumerable.Range(0, 9).Reverse().Select(i => $"P{i}"), ids);
    }

    [Fact]
    public async Task Denials_WrongCallers_RefusedAndNothingLeaks()
    {
        var (roaming, cpo) = await SetUpAsync();
        await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("SECRET") } });
        var other = await Roaming.SetUpAsync(Hub);
        var emsp = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub));
        var otherCpo = new CdrService.CdrServiceClient(other.CpoChannel(Hub));
        var otherEmsp = new CdrService.CdrServiceClient(other.EmspChannel(Hub));

        // An EMSP may not submit CDRs, neither unary nor streaming.
        await AssertFails(StatusCode.PermissionDenied, () => emsp.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("E1") } }).ResponseAsync);
        using (var call = emsp.SubmitCdrs())
        {
            await AssertFails(StatusCode.PermissionDenied, async () => await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        // A CPO may not read another CPO's CDRs.
        await AssertFails(StatusCode.PermissionDenied, () => otherCpo.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "SECRET" }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => otherCpo.ListCdrsAsync(new ListCdrsRequest { Cpo = roaming.Cpo }).ResponseAsync);
        // Another EMSP neither sees it nor learns that it exists.
        await AssertFails(StatusCode.NotFound, () => otherEmsp.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "SECRET" }).ResponseAsync);
        Assert.Empty((await otherEmsp.ListCdrsAsync(new ListCdrsRequest { Cpo = roaming.Cpo })).Cdrs);
        await AssertFails(StatusCode.PermissionDenied, () => otherEmsp.ListCdrsAsync(new ListCdrsRequest { Emsp = roaming.Emsp }).ResponseAsync);
        // A CPO without an agreement with the token's EMSP: rejected per CDR.
        var noAgreement = Assert.Single((await otherCpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { other.Cdr("NA", tariffId: null, emsp: roaming.Emsp) } })).Acks);
        Assert.Equal(CdrAckStatus.Rejected, noAgreement.Status);
        Assert.Contains("no active roaming agreement", Assert.Single(noAgreement.Reasons).Description);
        await AssertFails(StatusCode.Unauthenticated, () => new CdrService.CdrServiceClient(Hub.Channel(null)).ListCdrsAsync(new ListCdrsRequest()).ResponseAsync);
    }
}
