using ClearingHouse.Application.Settlement;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Settlement;

/// <summary>Statements between a CPO and an EMSP (see settlement.proto). The flow is <see cref="StatementFlow"/>.</summary>
public sealed class SettlementGrpcService(StatementFlow statements) : SettlementService.SettlementServiceBase
{
    /// <inheritdoc />
    public override async Task<GetStatementResponse> GetStatement(GetStatementRequest request, ServerCallContext context)
    {
        var key = Key(request.Cpo, request.Emsp, request.Currency, request.From, request.To);
        return new GetStatementResponse { Statement = (await statements.GetAsync(context.GetCaller(), key, context.CancellationToken)).ToProto() };
    }

    /// <inheritdoc />
    public override async Task<CloseStatementResponse> CloseStatement(CloseStatementRequest request, ServerCallContext context)
    {
        var key = Key(request.Cpo, request.Emsp, request.Currency, request.From, request.To);
        var (view, created) = await statements.CloseAsync(context.GetCaller(), key, context.CancellationToken);
        return new CloseStatementResponse { Statement = view.ToProto(), Created = created };
    }

    /// <inheritdoc />
    public override async Task<ListStatementsResponse> ListStatements(ListStatementsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var cpo = request.Cpo is null ? (Domain.Parties.PartyKey?)null : SettlementMapping.ToParty(request.Cpo, "cpo", PartyRole.Cpo);
        var emsp = request.Emsp is null ? (Domain.Parties.PartyKey?)null : SettlementMapping.ToParty(request.Emsp, "emsp", PartyRole.Emsp);
        var page = await statements.ListAsync(caller, cpo, emsp, ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page), context.CancellationToken);
        var response = new ListStatementsResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Statements.AddRange(page.Items.Select(s => s.ToProto()));
        return response;
    }

    /// <inheritdoc />
    public override Task ExportStatement(ExportStatementRequest request, IServerStreamWriter<ExportStatementResponse> responseStream, ServerCallContext context) =>
        statements.ExportAsync(
            context.GetCaller(),
            request.Number,
            ProtoMapping.Known(request.Format, "format") == StatementFormat.Html ? StatementExportFormat.Html : StatementExportFormat.Csv,
            (chunk, ct) => responseStream.WriteAsync(new ExportStatementResponse { Chunk = ByteString.CopyFromUtf8(chunk) }, ct),
            context.CancellationToken);

    private static StatementKey Key(PartyRef? cpoRef, PartyRef? emspRef, string currency, Timestamp? fromTs, Timestamp? toTs)
    {
        var cpo = SettlementMapping.ToParty(cpoRef, "cpo", PartyRole.Cpo);
        var emsp = SettlementMapping.ToParty(emspRef, "emsp", PartyRole.Emsp);
        var from = fromTs is null ? throw new HubException(HubErrorCode.InvalidArgument, "from is required", "from") : ProtoMapping.ToInstant(fromTs, "from");
        var to = toTs is null ? throw new HubException(HubErrorCode.InvalidArgument, "to is required", "to") : ProtoMapping.ToInstant(toTs, "to");
        return new StatementKey(cpo, emsp, currency, from, to);
    }
}
