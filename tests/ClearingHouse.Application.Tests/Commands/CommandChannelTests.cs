using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Commands;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Application.Tests.Commands;

/// <summary>The CPO command channel's read-loop rules in <see cref="CommandFlow"/>, with a fake peer in place of the gRPC stream.</summary>
public sealed class CommandChannelTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static int _next;

    public static TheoryData<string, CpoMessage> MalformedMessages => new()
    {
        { "neither answer nor result", new CpoMessage(CpoMessageKind.Unknown, "", 0, 0, null) },
        { "answer without result", new CpoMessage(CpoMessageKind.Answer, "x", 0, 0, null) },
        { "answer with an unknown result", new CpoMessage(CpoMessageKind.Answer, "x", CommandFlow.MaxResponseType + 1, 0, null) },
        { "answer with a negative timeout", new CpoMessage(CpoMessageKind.Answer, "x", CommandFlow.AcceptedResponse, -1, null) },
        { "answer without command id", new CpoMessage(CpoMessageKind.Answer, "", CommandFlow.AcceptedResponse, 0, null) },
        { "result with a malformed command id", new CpoMessage(CpoMessageKind.Result, "not-hex", 1, 0, null) },
        { "result with an unknown result", new CpoMessage(CpoMessageKind.Result, new string('a', 32), CommandFlow.MaxResultType + 1, 0, null) },
    };

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public async Task Rejects_MalformedMessage_ChannelClosedInvalidArgument(string why, CpoMessage message)
    {
        var (run, peer) = await OpenAsync();

        await peer.Incoming.Writer.WriteAsync(message);

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(ex.Code == HubErrorCode.InvalidArgument, $"{why}: expected InvalidArgument, got {ex.Code}: {ex.Message}");
        Assert.StartsWith("the channel was closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunChannelAsync_FloodOfAnswersForUnknownCommands_ClosedResourceExhausted()
    {
        var (run, peer) = await OpenAsync();

        // Answers for commands the channel never carried; the default limit is 200 a second.
        for (var i = 0; i < 5000 && !run.IsCompleted; i++)
        {
            await peer.Incoming.Writer.WriteAsync(new CpoMessage(CpoMessageKind.Answer, $"unknown-{i}", CommandFlow.AcceptedResponse, 0, null));
        }

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubErrorCode.ResourceExhausted, ex.Code);
    }

    [Fact]
    public async Task RunChannelAsync_CpoClosesItsSide_EndsWithoutError()
    {
        var (run, peer) = await OpenAsync();

        peer.Incoming.Writer.Complete();

        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task RunChannelAsync_CpoSuspended_ClosedPermissionDenied()
    {
        var (run, _, cpo) = await OpenWithPartyAsync();

        await hub.Grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).SetStatus(cpo, PartyStatus.Suspended, "core test");

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
    }

    private async Task<(Task Run, FakePeer Peer)> OpenAsync()
    {
        var (run, peer, _) = await OpenWithPartyAsync();
        return (run, peer);
    }

    // A fresh CPO with a credential, its channel open on a fake peer.
    private async Task<(Task Run, FakePeer Peer, PartyKey Cpo)> OpenWithPartyAsync()
    {
        var cpo = await hub.RegisterAsync($"NL-C{Interlocked.Increment(ref _next):D2}-CPO");
        var credential = await hub.Grains.GetGrain<IPartyCredentialsGrain>(cpo.ToString()).Issue();
        var peer = new FakePeer();
        var run = hub.Get<CommandFlow>().RunChannelAsync(new CallerIdentity(cpo, credential.Credential.Id), peer, CancellationToken.None);
        await peer.Ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return (run, peer, cpo);
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
