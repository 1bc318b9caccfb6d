using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>
/// Access on what stays open (issue 14, second leak): a party that is suspended or whose credential is revoked stops
/// receiving on its open streams at once, and its open channels close with PermissionDenied. The hub's choice, tested
/// here: such a stream ENDS with PermissionDenied (the client learns why, instead of waiting on a silent stream), and
/// nothing reaches it after the change; an ended agreement leaves the stream open but stops that CPO's sessions on it.
/// </summary>
public sealed class LiveAccessTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    private PartyAdminService.PartyAdminServiceClient Admin => new(Hub.Channel(Hub.OperatorSecret));

    [Fact]
    public async Task SubscribeSessions_EmspSuspended_EndsPermissionDeniedAndNothingFlows()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync(pair.Session("SUS1", minute: 1));
        using var call = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
        await call.ReadUntilAsync(s => s.Id == "SUS1");

        await Admin.SuspendPartyAsync(new SuspendPartyRequest { Party = pair.Emsp, Reason = "unpaid invoices" });
        // The CPO keeps reporting the session: nothing of it may reach the suspended EMSP.
        await pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest { SessionId = "SUS1", LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(2)), Kwh = 2 });

        await AssertEndsDeniedAsync(call, "suspended");
    }

    [Fact]
    public async Task SubscribeSessions_CredentialRevoked_EndsPermissionDeniedAndNothingFlows()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync(pair.Session("REV1", minute: 1));
        using var call = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
        await call.ReadUntilAsync(s => s.Id == "REV1");

        var credential = (await Admin.ListCredentialsAsync(new ListCredentialsRequest { Party = pair.Emsp })).Credentials.Single();
        await Admin.RevokeCredentialAsync(new RevokeCredentialRequest { Party = pair.Emsp, CredentialId = credential.CredentialId });
        await pair.PutAsync(pair.Session("REV2", minute: 2));

        await AssertEndsDeniedAsync(call, "revoked");
    }

    [Fact]
    public async Task SubscribeSessions_AgreementEnded_ThatCposSessionsStopStreamStaysOpen()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        // A second CPO of the same EMSP, still in agreement: its session marks where the stream has got to.
        var second = await RoamingPair.CreateAsync(Hub);
        var other = pair with { Cpo = second.Cpo, CpoChannel = second.CpoChannel };
        await SessionTestKit.AgreeAsync(Hub, other.Cpo, pair.Emsp);
        await pair.PutAsync(pair.Session("END1", minute: 1));
        using var call = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
        await call.ReadUntilAsync(s => s.Id == "END1");

        await Admin.EndAgreementAsync(new EndAgreementRequest { Cpo = pair.Cpo, Emsp = pair.Emsp });
        await pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest { SessionId = "END1", LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(2)), Kwh = 2 });
        await other.PutAsync(other.Session("MARK1", minute: 3));

        // Changes arrive in order: the ended agreement's change, had it been sent, would come before the marker.
        var events = await call.ReadUntilAsync(s => s.Id == "MARK1");
        Assert.True(events.Count == 1, $"expected only MARK1 after the agreement ended, got {string.Join(", ", events.Select(e => $"{e.Session.PartyId}/{e.Session.Id}"))}");
    }

    [Fact]
    public async Task CommandChannel_CpoSuspended_ClosedWithPermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.AcceptAndSucceed);

        await Admin.SuspendPartyAsync(new SuspendPartyRequest { Party = pair.Cpo, Reason = "fraud investigation" });

        var ended = await Task.WhenAny(cpo.Completion, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(ended == cpo.Completion, "the suspended CPO's command channel was still open 20 s after the suspension");
        var ex = await Assert.ThrowsAsync<RpcException>(() => cpo.Completion);
        Assert.True(ex.StatusCode == StatusCode.PermissionDenied, $"expected PermissionDenied, got {ex.StatusCode}: {ex.Status.Detail}");
        Assert.Contains("suspended", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribeStatus_EmspSuspended_EndsPermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        using var call = new LocationService.LocationServiceClient(pair.EmspChannel).SubscribeStatus(new SubscribeStatusRequest());
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext(ready.Token), "the subscription sent nothing");

        await Admin.SuspendPartyAsync(new SuspendPartyRequest { Party = pair.Emsp, Reason = "unpaid invoices" });

        await AssertStreamEndsDeniedAsync(() => Drain(call.ResponseStream), "suspended");
    }

    [Fact]
    public async Task SubscribeCdrs_CredentialRevoked_EndsPermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        using var call = new CdrService.CdrServiceClient(pair.EmspChannel).SubscribeCdrs(new SubscribeCdrsRequest());
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext(ready.Token), "the CDR feed sent nothing");

        var credential = (await Admin.ListCredentialsAsync(new ListCredentialsRequest { Party = pair.Emsp })).Credentials.Single();
        await Admin.RevokeCredentialAsync(new RevokeCredentialRequest { Party = pair.Emsp, CredentialId = credential.CredentialId });

        await AssertStreamEndsDeniedAsync(() => Drain(call.ResponseStream), "revoked");
    }

    [Fact]
    public async Task AuthorizationChannel_EmspSuspended_ClosedWithPermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        using var call = new TokenService.TokenServiceClient(pair.EmspChannel).AuthorizationChannel();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext(ready.Token), "the channel sent nothing");

        await Admin.SuspendPartyAsync(new SuspendPartyRequest { Party = pair.Emsp, Reason = "fraud investigation" });

        await AssertStreamEndsDeniedAsync(() => Drain(call.ResponseStream), "suspended");
    }

    private static async Task Drain<T>(IAsyncStreamReader<T> stream)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await stream.MoveNext(wait.Token))
        {
        }
    }

    private static async Task AssertStreamEndsDeniedAsync(Func<Task> drain, string reason)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(drain);
        Assert.True(ex.StatusCode == StatusCode.PermissionDenied, $"expected the stream to end with PermissionDenied within 20 s, got {ex.StatusCode}: {ex.Status.Detail}");
        Assert.Contains(reason, ex.Status.Detail, StringComparison.Ordinal);
    }

    // Reads on until the stream ends (within a bounded wait): it must end with PermissionDenied naming the reason, and
    // deliver nothing after the change.
    private static async Task AssertEndsDeniedAsync(AsyncServerStreamingCall<SubscribeSessionsResponse> call, string reason)
    {
        var after = new List<string>();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(wait.Token))
            {
                after.Add($"{call.ResponseStream.Current.Session.Id} (kwh {call.ResponseStream.Current.Session.Kwh})");
            }
        });
        Assert.True(after.Count == 0, $"the stream delivered after access was lost: {string.Join(", ", after)}");
        Assert.True(ex.StatusCode == StatusCode.PermissionDenied, $"expected the stream to end with PermissionDenied within 20 s, got {ex.StatusCode}: {ex.Status.Detail}");
        Assert.Contains(reason, ex.Status.Detail, StringComparison.Ordinal);
    }
}
