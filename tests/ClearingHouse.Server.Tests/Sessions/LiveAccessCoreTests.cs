using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Commands;
using ClearingHouse.Application.Parties;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using CorePartyStatus = ClearingHouse.Grains.Parties.PartyStatus;
using PartyKey = ClearingHouse.Domain.Parties.PartyKey;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>
/// The core pieces under the gRPC edge, called from a running hub's services: <see cref="LiveAccess"/> as any stream
/// adopts it (one <see cref="LiveAccess.RunAsync"/>), and the CPO command channel's read-loop rules of <see cref="CommandFlow"/>.
/// </summary>
public sealed class LiveAccessCoreTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private static readonly CallerIdentity Operator = new(null, "test-operator");

    private HubHost Hub => fixture.Hub;

    private T Core<T>()
        where T : notnull => Hub.Services.GetRequiredService<T>();

    [Fact]
    public async Task RunAsync_PartySuspendedThenItemOfAgreedCpo_EndsPermissionDeniedAndItemRefused()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var (emsp, cpo) = (Key(pair.Emsp), Key(pair.Cpo));
        var caller = await CallerOfAsync(emsp);
        var opened = new TaskCompletionSource<LiveStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Core<LiveAccess>().RunAsync(caller, async stream =>
        {
            opened.SetResult(stream);
            await Task.Delay(Timeout.Infinite, stream.Token);
        }, CancellationToken.None);
        var live = await opened.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(await live.MayReceiveFromAsync(cpo), "an agreed CPO's items reach the stream");

        await Core<PartyAdminFlow>().SetStatusAsync(Operator, emsp, CorePartyStatus.Suspended, "core test");

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
        Assert.Contains("suspended", ex.Message, StringComparison.Ordinal);
        Assert.False(await live.MayReceiveFromAsync(cpo), "nothing reaches a denied stream");
    }

    [Fact]
    public async Task MayReceiveFromAsync_AgreementEnded_FalseStreamNotDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var (emsp, cpo) = (Key(pair.Emsp), Key(pair.Cpo));
        using var live = Core<LiveAccess>().Open(await CallerOfAsync(emsp), CancellationToken.None);
        Assert.True(await live.MayReceiveFromAsync(cpo));

        await Core<PartyAdminFlow>().EndAgreementAsync(Operator, cpo, emsp, null);

        Assert.False(await live.MayReceiveFromAsync(cpo), "an ended agreement stops that CPO's items");
        Assert.Null(live.Denial);
        Assert.False(live.Token.IsCancellationRequested, "the stream itself stays open");
    }

    public static TheoryData<string, CpoMessage, HubErrorCode> MalformedChannelMessages => new()
    {
        { "neither answer nor result", new CpoMessage(CpoMessageKind.Unknown, "", 0, 0, null), HubErrorCode.InvalidArgument },
        { "answer without result", new CpoMessage(CpoMessageKind.Answer, "x", 0, 0, null), HubErrorCode.InvalidArgument },
        { "answer with an unknown result", new CpoMessage(CpoMessageKind.Answer, "x", CommandFlow.MaxResponseType + 1, 0, null), HubErrorCode.InvalidArgument },
        { "answer with a negative timeout", new CpoMessage(CpoMessageKind.Answer, "x", 3, -1, null), HubErrorCode.InvalidArgument },
        { "result with a malformed command id", new CpoMessage(CpoMessageKind.Result, "not-hex", 1, 0, null), HubErrorCode.InvalidArgument },
    };

    [Theory]
    [MemberData(nameof(MalformedChannelMessages))]
    public async Task Rejects_MalformedChannelMessage_ChannelClosedInvalidArgument(string why, CpoMessage message, HubErrorCode code)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var peer = new FakePeer();
        var run = Core<CommandFlow>().RunChannelAsync(await CallerOfAsync(Key(pair.Cpo)), peer, CancellationToken.None);
        await peer.Ready.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await peer.Incoming.Writer.WriteAsync(message);

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(ex.Code == code, $"{why}: expected {code}, got {ex.Code}: {ex.Message}");
        Assert.StartsWith("the channel was closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunChannelAsync_FloodOfUnknownCommands_ClosedResourceExhausted()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var peer = new FakePeer();
        var run = Core<CommandFlow>().RunChannelAsync(await CallerOfAsync(Key(pair.Cpo)), peer, CancellationToken.None);
        await peer.Ready.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // Answers for commands the channel never carried; the default limit is 200 a second.
        for (var i = 0; i < 5000 && !run.IsCompleted; i++)
        {
            await peer.Incoming.Writer.WriteAsync(new CpoMessage(CpoMessageKind.Answer, $"unknown-{i}", 3, 0, null));
        }

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubErrorCode.ResourceExhausted, ex.Code);
    }

    private static PartyKey Key(PartyRef party) =>
        new(party.CountryCode, party.PartyId, party.Role == Contracts.V1.PartyRole.Cpo ? PartyRole.Cpo : PartyRole.Emsp);

    // The party's one credential, as the edge would have resolved it.
    private async Task<CallerIdentity> CallerOfAsync(PartyKey party)
    {
        var credential = (await Core<PartyAdminFlow>().ListCredentialsAsync(Operator, party)).Single();
        return new CallerIdentity(party, credential.Credential.Id);
    }

    private sealed class FakePeer : ICommandChannelPeer
    {
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Channel<CpoMessage> Incoming { get; } = Channel.CreateUnbounded<CpoMessage>();

        public Task ReadyAsync(string channelId, TimeSpan answerDeadline)
        {
            Ready.TrySetResult();
            return Task.CompletedTask;
        }

        public Task WriteAsync(ChannelCommand command, CancellationToken cancellationToken) => Task.CompletedTask;

        public async IAsyncEnumerable<CpoMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var message in Incoming.Reader.ReadAllAsync(cancellationToken))
            {
                yield return message;
            }
        }
    }
}
