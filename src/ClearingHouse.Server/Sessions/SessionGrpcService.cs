using ClearingHouse.Application.Access;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Sessions;

/// <summary>Sessions: CPOs report them, EMSPs read and follow them, operators see stuck ones (see sessions.proto). The flow is <see cref="SessionFlow"/>.</summary>
public sealed class SessionGrpcService(SessionFlow sessions) : SessionService.SessionServiceBase
{
    /// <inheritdoc />
    public override async Task<PutSessionResponse> PutSession(PutSessionRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var session = SessionProtoMapping.ToRecord(request.Session, caller.RequireParty(PartyRole.Cpo));
        var write = await sessions.PutAsync(caller, session);
        return new PutSessionResponse { Session = write.Session.ToProto(), Result = SessionProtoMapping.ToResult(write.Verdict) };
    }

    /// <inheritdoc />
    public override async Task<PatchSessionResponse> PatchSession(PatchSessionRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireParty(PartyRole.Cpo);
        var write = await sessions.PatchAsync(caller, request.SessionId, SessionProtoMapping.ToPatch(request));
        return new PatchSessionResponse { Session = write.Session.ToProto(), Result = SessionProtoMapping.ToResult(write.Verdict) };
    }

    /// <inheritdoc />
    public override async Task<GetSessionResponse> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        var session = await sessions.GetAsync(context.GetCaller(), SessionProtoMapping.ToCpo(request.Cpo), request.SessionId);
        return new GetSessionResponse { Session = session.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireParty(PartyRole.Emsp);
        DateTimeOffset? since = request.UpdatedSince is { } s ? SessionProtoMapping.ToTime(s, "updated_since") : null;
        var page = await sessions.ListAsync(caller, since, ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page), context.CancellationToken);
        var response = new ListSessionsResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Sessions.AddRange(page.Items.Select(v => v.ToProto()));
        return response;
    }

    /// <inheritdoc />
    public override Task SubscribeSessions(SubscribeSessionsRequest request, IServerStreamWriter<SubscribeSessionsResponse> responseStream, ServerCallContext context) =>
        sessions.SubscribeAsync(context.GetCaller(), request.Cursor, request.FromStart, new ChangeSink(responseStream, context), context.CancellationToken);

    /// <inheritdoc />
    public override async Task<ListStuckSessionsResponse> ListStuckSessions(ListStuckSessionsRequest request, ServerCallContext context)
    {
        var page = await sessions.ListStuckAsync(context.GetCaller(), ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page), context.CancellationToken);
        var response = new ListStuckSessionsResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Sessions.AddRange(page.Items.Select(s => new StuckSession { Session = s.Session.ToProto(stuck: true), SilentFor = Duration.FromTimeSpan(s.SilentFor) }));
        return response;
    }

    private sealed class ChangeSink(IServerStreamWriter<SubscribeSessionsResponse> stream, ServerCallContext context) : ILiveSink<SessionChange>
    {
        // Headers first: the client knows the subscription is live before the first event.
        public Task ReadyAsync() => context.WriteResponseHeadersAsync([]);

        public Task WriteAsync(SessionChange item, CancellationToken cancellationToken) =>
            stream.WriteAsync(new SubscribeSessionsResponse { Session = item.Session.ToProto(), Cursor = item.Cursor }, cancellationToken);
    }
}
