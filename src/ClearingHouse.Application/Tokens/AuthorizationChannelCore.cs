using ClearingHouse.Application.Diagnostics;
using System.Diagnostics;
using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// One open EMSP authorization stream as an edge holds it: the edge writes the hub's messages in its wire
/// form and reads the EMSP's messages into <see cref="MspAnswer"/>s, nothing more.
/// </summary>
public interface IMspChannelLink
{
    /// <summary>Tells the EMSP its channel is open: its id and how long the hub waits for an answer.</summary>
    Task SendReadyAsync(string channelId, TimeSpan deadline);

    /// <summary>Writes one authorization request to the EMSP.</summary>
    Task SendRequestAsync(MspAuthorizationRequest request, CancellationToken cancellationToken);

    /// <summary>The EMSP's messages, in order, until it ends the stream.</summary>
    IAsyncEnumerable<MspAnswer> ReadAnswersAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Serves an EMSP's authorization channel for any edge: opens it in <see cref="MspChannelHub"/> (reachable
/// cluster-wide), writes the queued requests, delivers the answers to the waiting authorizations, and closes
/// it when the stream ends. The channel's rules live here: a malformed message closes the channel with
/// InvalidArgument; answers for unknown or expired requests are ignored and counted, and more than
/// <c>Tokens:MaxUnknownAnswersPerSecond</c> of them close it with ResourceExhausted, so that a flood cannot
/// take the silo's CPU.
/// </summary>
public sealed partial class AuthorizationChannelCore(
    MspChannelHub channels,
    LiveAccess live,
    TokenMetrics metrics,
    IOptions<TokensOptions> options,
    ILogger<AuthorizationChannelCore> logger)
{
    /// <summary>Longest display text in an answer (OCPI DisplayText.text).</summary>
    public const int MaxInfoLength = 512;

    /// <summary>Longest request id in an answer.</summary>
    public const int MaxRequestIdLength = 64;

    /// <summary>
    /// Serves the channel of <paramref name="caller"/> (an EMSP, else PermissionDenied) over <paramref name="link"/>
    /// until the EMSP ends the stream or <paramref name="cancellationToken"/> fires; throws <see cref="HubException"/>
    /// when the hub closes it.
    /// </summary>
    /// <remarks>A suspended EMSP or a revoked credential closes the channel with PermissionDenied (<see cref="LiveAccess"/>);
    /// its waiting requests fail over at once.</remarks>
    public Task ServeAsync(CallerIdentity caller, IMspChannelLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(link);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        return live.RunAsync(caller, stream => ServeCoreAsync(emsp, link, stream.Token), cancellationToken);
    }

    private async Task ServeCoreAsync(PartyKey emsp, IMspChannelLink link, CancellationToken cancellationToken)
    {
        var channel = await channels.OpenAsync(emsp);
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? writer = null;
        try
        {
            await link.SendReadyAsync(channel.Id, options.Value.DeadlineFor(emsp.ToString()));
            writer = WriteRequestsAsync(channel, link, writing.Token);
            await ReadAnswersAsync(channel, emsp, link, cancellationToken);
        }
        finally
        {
            await channels.CloseAsync(channel);
            await writing.CancelAsync();
            if (writer is not null)
            {
                try
                {
                    await writer;
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
                {
                    // The stream is over either way.
                }
            }
        }
    }

    /// <summary>What is wrong with an EMSP's message, or null when it is a well-formed answer.</summary>
    public static string? Problem(in MspAnswer answer) =>
        !answer.IsAnswer ? "a message without an answer"
        : answer.RequestId is null || answer.RequestId.Length is 0 or > MaxRequestIdLength ? "an answer without a valid request_id"
        : answer.Allowed is < AllowedType.Allowed or > AllowedType.NotAllowed ? "an answer without a valid allowed value"
        : answer.InfoLanguage is not null && ((answer.InfoText?.Length ?? 0) > MaxInfoLength || TokenRules.ValidateLanguage(answer.InfoLanguage) is not null) ? "an answer with a malformed info"
        : null;

    private static async Task WriteRequestsAsync(MspChannel channel, IMspChannelLink link, CancellationToken cancellationToken)
    {
        await foreach (var request in channel.Outbox.ReadAllAsync(cancellationToken))
        {
            // A span of the CPO's trace (not of this long-lived stream's): the delivery is a hop of the asking call.
            using var span = request.Trace == default ? null : HubActivities.Source.StartActivity(HubActivities.DeliverToEmsp, ActivityKind.Producer, request.Trace);
            span?.SetTag("clearinghouse.emsp", request.Ask.Token.Owner.ToString());
            await link.SendRequestAsync(request, cancellationToken);
        }
    }

    private async Task ReadAnswersAsync(MspChannel channel, PartyKey emsp, IMspChannelLink link, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUnknownAnswersPerSecond;
        var windowStart = Environment.TickCount64;
        var unknownInWindow = 0;
        await foreach (var answer in link.ReadAnswersAsync(cancellationToken))
        {
            if (Problem(answer) is { } problem)
            {
                metrics.ChannelCut("malformed");
                LogChannelCut(logger, emsp.ToString(), channel.Id, problem);
                throw new HubException(HubErrorCode.InvalidArgument, $"the channel was closed: the EMSP sent {problem}");
            }

            var reply = new MspReply
            {
                Kind = MspOutcomeKind.Answered,
                Allowed = answer.Allowed,
                InfoLanguage = answer.InfoLanguage,
                InfoText = answer.InfoText is { Length: > 0 } text ? text : null,
            };
            if (channel.TryAnswer(answer.RequestId, reply))
            {
                continue;
            }

            // An answer for a request that timed out, was never sent here, or belongs to another EMSP's
            // channel: ignored, counted, and limited so that a flood cannot take the silo's CPU.
            metrics.UnknownAnswer(emsp.ToString());
            var now = Environment.TickCount64;
            if (now - windowStart >= 1000)
            {
                windowStart = now;
                unknownInWindow = 0;
            }

            if (++unknownInWindow > limit)
            {
                metrics.ChannelCut("flood");
                LogChannelCut(logger, emsp.ToString(), channel.Id, "too many answers for unknown requests");
                throw new HubException(HubErrorCode.ResourceExhausted, $"the channel was closed: more than {limit} answers per second for unknown or expired requests");
            }
        }
    }

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "EMSP {Emsp} authorization channel {ChannelId} cut off: {Reason}")]
    private static partial void LogChannelCut(ILogger logger, string emsp, string channelId, string reason);
}
