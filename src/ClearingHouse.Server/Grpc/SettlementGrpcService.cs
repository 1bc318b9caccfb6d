using ClearingHouse.Application.Access;
using ClearingHouse.Application.Settlement;
using System.Globalization;
using System.Text;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Settlement;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>Statements between a CPO and an EMSP (see settlement.proto).</summary>
public sealed class SettlementGrpcService(
    StatementBuilder builder, ISettlementStore store, PartyDirectory directory, OperatorAudit audit, IOptions<SettlementOptions> options)
    : SettlementService.SettlementServiceBase
{
    private const int ChunkBytes = 64 * 1024;

    /// <inheritdoc />
    public override async Task<GetStatementResponse> GetStatement(GetStatementRequest request, ServerCallContext context)
    {
        var key = Key(request.Cpo, request.Emsp, request.Currency, request.From, request.To);
        RequireSide(context.GetCaller(), key.Cpo, key.Emsp);
        var view = await builder.GetAsync(key, context.CancellationToken);
        return new GetStatementResponse { Statement = view.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<CloseStatementResponse> CloseStatement(CloseStatementRequest request, ServerCallContext context)
    {
        var key = Key(request.Cpo, request.Emsp, request.Currency, request.From, request.To);
        var caller = context.GetCaller();
        RequireSide(caller, key.Cpo, key.Emsp);
        var (view, created) = await builder.CloseAsync(key, caller.Party?.ToString() ?? "operator", context.CancellationToken);
        await audit.RecordAsync(caller, "statements.close", $"statement {view.Closed!.Number}",
            $"{key.Cpo} / {key.Emsp} {key.Currency} {key.From:u} to {key.To:u}: {(created ? "closed" : "already closed")}, sha256 {view.Closed.ContentHash}", context.CancellationToken);
        return new CloseStatementResponse { Statement = view.ToProto(), Created = created };
    }

    /// <inheritdoc />
    public override async Task<ListStatementsResponse> ListStatements(ListStatementsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = ProtoMapping.PageSize(request.Page);
        PartyKey? cpo = request.Cpo is null ? null : Party(request.Cpo, "cpo", PartyRole.Cpo);
        PartyKey? emsp = request.Emsp is null ? null : Party(request.Emsp, "emsp", PartyRole.Emsp);
        if (caller.Party is { } party)
        {
            var named = party.Role == PartyRole.Cpo ? cpo : emsp;
            if (named is { } n && n != party)
            {
                throw new HubException(HubErrorCode.PermissionDenied, $"{party} may only list its own statements, not those of {n}");
            }

            if (party.Role == PartyRole.Cpo)
            {
                cpo = party;
            }
            else
            {
                emsp = party;
            }
        }

        var after = ProtoMapping.DecodePageToken(request.Page) is { } token
            ? long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token")
            : 0;
        var page = await store.ListStatementsAsync(new StatementListQuery { Cpo = cpo, Emsp = emsp, AfterNumber = after, Limit = size + 1 }, context.CancellationToken);
        var response = new ListStatementsResponse { Page = new PageInfo() };
        foreach (var s in page.Take(size))
        {
            response.Statements.Add(StatementBuilder.View(s).ToProto());
        }

        if (page.Count > size)
        {
            response.Page.NextPageToken = ProtoMapping.EncodePageToken(page[size - 1].Number.ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task ExportStatement(ExportStatementRequest request, IServerStreamWriter<ExportStatementResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (request.Number <= 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "number is required", "number");
        }

        var statement = await store.GetStatementAsync(request.Number, context.CancellationToken);
        // A party that is neither side learns nothing, not even that the number exists.
        if (statement is null || (caller.Party is { } party && party != statement.Key.Cpo && party != statement.Key.Emsp))
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no statement {request.Number} for you");
        }

        var ct = context.CancellationToken;
        var buffer = new StringBuilder();
        async Task Write(string text, bool flush = false)
        {
            buffer.Append(text);
            if (flush || buffer.Length >= ChunkBytes)
            {
                await responseStream.WriteAsync(new ExportStatementResponse { Chunk = ByteString.CopyFromUtf8(buffer.ToString()) }, ct);
                buffer.Clear();
            }
        }

        if (request.Format == StatementFormat.Html)
        {
            var view = await directory.GetAsync();
            var key = statement.Key;
            await Write(StatementHtml.Head(StatementBuilder.View(statement), view.GetParty(key.Cpo)?.Name ?? key.Cpo.ToString(), view.GetParty(key.Emsp)?.Name ?? key.Emsp.ToString()));
            await foreach (var line in store.ReadLinesAsync(statement.Number, ct))
            {
                await Write(StatementHtml.Row(line));
            }

            await Write(StatementHtml.Tail, flush: true);
        }
        else
        {
            await Write(StatementCsv.Header + "\n");
            await foreach (var line in store.ReadLinesAsync(statement.Number, ct))
            {
                await Write(line + "\n");
            }

            await Write("", flush: true);
        }
    }

    private StatementKey Key(PartyRef? cpoRef, PartyRef? emspRef, string currency, Timestamp? fromTs, Timestamp? toTs)
    {
        var cpo = Party(cpoRef, "cpo", PartyRole.Cpo);
        var emsp = Party(emspRef, "emsp", PartyRole.Emsp);
        var from = fromTs is null ? throw new HubException(HubErrorCode.InvalidArgument, "from is required", "from") : ProtoMapping.ToInstant(fromTs, "from");
        var to = toTs is null ? throw new HubException(HubErrorCode.InvalidArgument, "to is required", "to") : ProtoMapping.ToInstant(toTs, "to");
        if (StatementPeriod.Validate(from, to, currency, options.Value.MaxPeriodDays) is { } problem)
        {
            throw new HubException(HubErrorCode.InvalidArgument, problem.Message, problem.Field);
        }

        return new StatementKey(cpo, emsp, currency, from, to);
    }

    private static PartyKey Party(PartyRef? party, string field, PartyRole role)
    {
        if (party is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        var key = ProtoMapping.ToKey(party, field);
        return key.Role == role ? key : throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role must be PARTY_ROLE_{role.ToString().ToUpperInvariant()}", $"{field}.role");
    }

    private static void RequireSide(CallerIdentity caller, PartyKey cpo, PartyKey emsp)
    {
        if (caller.Party is { } party && party != cpo && party != emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"only {cpo}, {emsp} and the hub operator may see or close their statements");
        }
    }
}
