using System.Runtime.CompilerServices;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Contracts.V1;
using Grpc.Core;

namespace ClearingHouse.Server.Tokens;

/// <summary>An EMSP's AuthorizationChannel stream as the core sees it: messages mapped, nothing decided.</summary>
internal sealed class GrpcMspChannelLink(
    IAsyncStreamReader<AuthorizationChannelRequest> requests,
    IServerStreamWriter<AuthorizationChannelResponse> responses) : IMspChannelLink
{
    /// <inheritdoc />
    public Task SendReadyAsync(string channelId, TimeSpan deadline) => responses.WriteAsync(new AuthorizationChannelResponse
    {
        Ready = new AuthorizationChannelReady { ChannelId = channelId, DeadlineMs = (int)deadline.TotalMilliseconds },
    });

    /// <inheritdoc />
    public Task SendRequestAsync(MspAuthorizationRequest request, CancellationToken cancellationToken) =>
        responses.WriteAsync(new AuthorizationChannelResponse { Request = request.ToProto() }, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<MspAnswer> ReadAnswersAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in requests.ReadAllAsync(cancellationToken))
        {
            yield return TokenProtoMapping.ToAnswer(message);
        }
    }
}
