using ClearingHouse.Application.Tokens;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains;
using ClearingHouse.Server.Identity;
using Grpc.Core;

namespace ClearingHouse.Server.Tokens;

/// <summary>
/// Tokens for EMSPs and real-time authorization for CPOs (see tokens.proto): the gRPC edge of
/// <see cref="TokensCore"/>, <see cref="AuthorizationCore"/> and <see cref="AuthorizationChannelCore"/>.
/// Each method maps the request, makes one call into the core and maps the answer back.
/// </summary>
public sealed class TokenGrpcService(
    TokensCore tokens,
    AuthorizationCore authorizer,
    AuthorizationChannelCore authorizationChannels,
    HubClock clock) : TokenService.TokenServiceBase
{
    /// <inheritdoc />
    public override async Task<PutTokenResponse> PutToken(PutTokenRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var token = request.Token is { } sent ? TokenProtoMapping.ToRecord(sent, clock.UtcNow, "token") : null;
        var put = await tokens.PutAsync(caller, token);
        return new PutTokenResponse { Token = put.Token.ToProto(), Created = put.Created };
    }

    /// <inheritdoc />
    public override async Task<PatchTokenResponse> PatchToken(PatchTokenRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var token = await tokens.PatchAsync(caller, (Domain.Tokens.TokenType)request.Type, request.Uid, TokenProtoMapping.ToPatch(request, clock.UtcNow));
        return new PatchTokenResponse { Token = token.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<GetTokenResponse> GetToken(GetTokenRequest request, ServerCallContext context)
    {
        var token = await tokens.GetAsync(context.GetCaller(), (Domain.Tokens.TokenType)request.Type, request.Uid);
        return new GetTokenResponse { Token = token.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<PutTokensResponse> PutTokens(IAsyncStreamReader<PutTokensRequest> requestStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var upload = await tokens.UploadAsync(caller, TokenProtoMapping.ReadUploadAsync(requestStream, context.CancellationToken), TokenProtoMapping.ToRecord, context.CancellationToken);
        return TokenProtoMapping.ToResponse(upload);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The hot path: the core maps its result to the response inside its own async method (one async frame
    /// per call, as before the core existed).
    /// </remarks>
    public override Task<AuthorizeResponse> Authorize(AuthorizeRequest request, ServerCallContext context) =>
        authorizer.AuthorizeAsync(context.GetCaller(), TokenProtoMapping.ToQuery(request), context.Deadline, static (result, request) => TokenProtoMapping.ToResponse(result, request), request, context.CancellationToken);

    /// <inheritdoc />
    public override Task AuthorizationChannel(IAsyncStreamReader<AuthorizationChannelRequest> requestStream, IServerStreamWriter<AuthorizationChannelResponse> responseStream, ServerCallContext context) =>
        authorizationChannels.ServeAsync(context.GetCaller(), new GrpcMspChannelLink(requestStream, responseStream), context.CancellationToken);
}
