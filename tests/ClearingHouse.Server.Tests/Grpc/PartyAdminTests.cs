using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Grpc;

/// <summary>PartyAdminService over real gRPC against an Embedded hub.</summary>
public sealed class PartyAdminTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private readonly PartyAdminService.PartyAdminServiceClient _admin = new(fixture.Hub.Channel(fixture.Hub.OperatorSecret));

    [Fact]
    public async Task RegisterParty_AsOperator_ReturnsActiveParty()
    {
        var party = Unique(PartyRole.Cpo);
        var response = await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = "Acme Charging" });

        Assert.Equal(party, response.Party.Ref);
        Assert.Equal("Acme Charging", response.Party.Name);
        Assert.Equal(PartyStatus.Active, response.Party.Status);
        var fetched = await _admin.GetPartyAsync(new GetPartyRequest { Party = party });
        Assert.Equal(response.Party, fetched.Party);
    }

    [Fact]
    public async Task RegisterParty_Twice_AlreadyExistsAndFirstKept()
    {
        var party = Unique(PartyRole.Emsp);
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = "First" });

        await AssertFails(StatusCode.AlreadyExists, () => _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = "Second" }).ResponseAsync);
        Assert.Equal("First", (await _admin.GetPartyAsync(new GetPartyRequest { Party = party })).Party.Name);
    }

    [Fact]
    public async Task RegisterParty_SameIdsOtherRole_IsAnotherParty()
    {
        var cpo = Unique(PartyRole.Cpo);
        var emsp = new PartyRef(cpo) { Role = PartyRole.Emsp };
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "Both roles" });
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = emsp, Name = "Both roles" });

        Assert.Equal(PartyRole.Emsp, (await _admin.GetPartyAsync(new GetPartyRequest { Party = emsp })).Party.Ref.Role);
    }

    [Theory]
    [InlineData("nl", "ABC", PartyRole.Cpo, "x", "party.country_code")]
    [InlineData("XX", "ABC", PartyRole.Cpo, "x", "party.country_code")]
    [InlineData("N1", "ABC", PartyRole.Cpo, "x", "party.country_code")]
    [InlineData("", "ABC", PartyRole.Cpo, "x", "party.country_code")]
    [InlineData("NL", "AB", PartyRole.Cpo, "x", "party.party_id")]
    [InlineData("NL", "abc", PartyRole.Cpo, "x", "party.party_id")]
    [InlineData("NL", "ABCD", PartyRole.Cpo, "x", "party.party_id")]
    [InlineData("NL", "A-C", PartyRole.Cpo, "x", "party.party_id")]
    [InlineData("NL", "ABC", PartyRole.Unspecified, "x", "party.role")]
    [InlineData("NL", "ABC", PartyRole.Cpo, "", "name")]
    [InlineData("NL", "ABC", PartyRole.Cpo, "   ", "name")]
    [InlineData("NL", "ABC", PartyRole.Cpo, "bad\u0007name", "name")]
    public async Task Rejects_RegisterParty_WithMalformedField(string country, string partyId, PartyRole role, string name, string field)
    {
        var request = new RegisterPartyRequest { Party = new PartyRef { CountryCode = country, PartyId = partyId, Role = role }, Name = name };

        var ex = await AssertFails(StatusCode.InvalidArgument, () => _admin.RegisterPartyAsync(request).ResponseAsync);
        Assert.Equal([field], ViolatedFields(ex));
    }

    [Fact]
    public async Task RegisterParty_NameTooLong_InvalidArgumentAndNothingWritten()
    {
        var party = Unique(PartyRole.Cpo);
        var ex = await AssertFails(StatusCode.InvalidArgument, () => _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = new string('a', 101) }).ResponseAsync);

        Assert.Equal(["name"], ViolatedFields(ex));
        await AssertFails(StatusCode.NotFound, () => _admin.GetPartyAsync(new GetPartyRequest { Party = party }).ResponseAsync);
    }

    [Fact]
    public async Task RegisterParty_MessageAboveLimit_ResourceExhausted()
    {
        var request = new RegisterPartyRequest { Party = Unique(PartyRole.Cpo), Name = new string('a', 20_000) };

        await AssertFails(StatusCode.ResourceExhausted, () => _admin.RegisterPartyAsync(request).ResponseAsync);
    }

    [Fact]
    public async Task RegisterParty_MissingParty_InvalidArgumentNamingField()
    {
        var ex = await AssertFails(StatusCode.InvalidArgument, () => _admin.RegisterPartyAsync(new RegisterPartyRequest { Name = "x" }).ResponseAsync);
        Assert.Equal(["party"], ViolatedFields(ex));
    }

    [Fact]
    public async Task GetParty_Unknown_NotFound()
    {
        await AssertFails(StatusCode.NotFound, () => _admin.GetPartyAsync(new GetPartyRequest { Party = Unique(PartyRole.Cpo) }).ResponseAsync);
    }

    [Fact]
    public async Task ListParties_PagesThroughEveryPartyOnceInOrder()
    {
        var mine = new List<PartyRef>();
        for (var i = 0; i < 5; i++)
        {
            var party = Unique(PartyRole.Cpo, "BE");
            mine.Add(party);
            await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = $"Paged {i}" });
        }

        var seen = new List<PartyRef>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await _admin.ListPartiesAsync(new ListPartiesRequest { CountryCode = "BE", Page = new PageRequest { PageSize = 2, PageToken = token } });
            seen.AddRange(page.Parties.Select(p => p.Ref));
            token = page.Page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 10);

        Assert.Equal(mine.OrderBy(p => p.PartyId, StringComparer.Ordinal).ToList(), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task ListParties_BadPageToken_InvalidArgument()
    {
        var ex = await AssertFails(StatusCode.InvalidArgument, () => _admin.ListPartiesAsync(new ListPartiesRequest { Page = new PageRequest { PageToken = "!!not-a-token" } }).ResponseAsync);
        Assert.Equal(["page.page_token"], ViolatedFields(ex));
    }

    [Fact]
    public async Task SetAgreement_CpoAndEmsp_IsActiveAndListedForBoth()
    {
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        var cpoSecret = await RegisterWithCredentialAsync(fixture.Hub.Channel(fixture.Hub.OperatorSecret), cpo);
        var emspSecret = await RegisterWithCredentialAsync(fixture.Hub.Channel(fixture.Hub.OperatorSecret), emsp);

        var set = await _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });

        Assert.Equal(AgreementStatus.Active, set.Agreement.Status);
        foreach (var secret in new[] { cpoSecret, emspSecret })
        {
            var listed = await new PartyAdminService.PartyAdminServiceClient(fixture.Hub.Channel(secret)).ListAgreementsAsync(new ListAgreementsRequest());
            var agreement = Assert.Single(listed.Agreements);
            Assert.Equal((cpo, emsp), (agreement.Cpo, agreement.Emsp));
        }
    }

    [Fact]
    public async Task SetAgreement_TwoCpos_InvalidArgument()
    {
        var (a, b) = (Unique(PartyRole.Cpo), Unique(PartyRole.Cpo));
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = a, Name = "A" });
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = b, Name = "B" });

        var ex = await AssertFails(StatusCode.InvalidArgument, () => _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = a, Emsp = b }).ResponseAsync);
        Assert.Equal(["emsp.role"], ViolatedFields(ex));
    }

    [Fact]
    public async Task SetAgreement_UnknownOrSuspendedParty_FailedPrecondition()
    {
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "CPO" });

        await AssertFails(StatusCode.FailedPrecondition, () => _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp }).ResponseAsync);

        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = emsp, Name = "EMSP" });
        await _admin.SuspendPartyAsync(new SuspendPartyRequest { Party = emsp, Reason = "unpaid invoices" });
        await AssertFails(StatusCode.FailedPrecondition, () => _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp }).ResponseAsync);

        var listed = await _admin.ListAgreementsAsync(new ListAgreementsRequest { Party = cpo, IncludeEnded = true });
        Assert.Empty(listed.Agreements);
    }

    [Fact]
    public async Task SetAgreement_UntilBeforeFrom_InvalidArgument()
    {
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "CPO" });
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = emsp, Name = "EMSP" });
        var from = DateTimeOffset.UtcNow;

        var ex = await AssertFails(StatusCode.InvalidArgument, () => _admin.SetAgreementAsync(new SetAgreementRequest
        {
            Cpo = cpo,
            Emsp = emsp,
            ValidFrom = Timestamp.FromDateTimeOffset(from),
            ValidUntil = Timestamp.FromDateTimeOffset(from.AddDays(-1)),
        }).ResponseAsync);
        Assert.Equal(["valid_until"], ViolatedFields(ex));
    }

    [Fact]
    public async Task SetAgreement_FutureStart_IsPendingThenEndAgreementEndsIt()
    {
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "CPO" });
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = emsp, Name = "EMSP" });

        var pending = await _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp, ValidFrom = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) });
        Assert.Equal(AgreementStatus.Pending, pending.Agreement.Status);

        await _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        var ended = await _admin.EndAgreementAsync(new EndAgreementRequest { Cpo = cpo, Emsp = emsp });
        Assert.Equal(AgreementStatus.Ended, ended.Agreement.Status);
        Assert.Empty((await _admin.ListAgreementsAsync(new ListAgreementsRequest { Party = cpo })).Agreements);
        Assert.Single((await _admin.ListAgreementsAsync(new ListAgreementsRequest { Party = cpo, IncludeEnded = true })).Agreements);
    }

    [Fact]
    public async Task EndAgreement_None_NotFound()
    {
        await AssertFails(StatusCode.NotFound, () => _admin.EndAgreementAsync(new EndAgreementRequest { Cpo = Unique(PartyRole.Cpo), Emsp = Unique(PartyRole.Emsp) }).ResponseAsync);
    }

    [Fact]
    public async Task SuspendParty_Agreement_ShowsSuspended()
    {
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "CPO" });
        await _admin.RegisterPartyAsync(new RegisterPartyRequest { Party = emsp, Name = "EMSP" });
        await _admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });

        await _admin.SuspendPartyAsync(new SuspendPartyRequest { Party = cpo });

        var agreement = Assert.Single((await _admin.ListAgreementsAsync(new ListAgreementsRequest { Party = emsp })).Agreements);
        Assert.Equal(AgreementStatus.Suspended, agreement.Status);
    }
}
