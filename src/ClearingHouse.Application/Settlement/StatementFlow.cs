using System.Globalization;
using System.Text;
using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Application.Operations.Audit;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Settlement;

/// <summary>The formats a closed statement exports to.</summary>
public enum StatementExportFormat
{
    /// <summary>One CSV line per CDR (<see cref="StatementCsv"/>).</summary>
    Csv = 1,

    /// <summary>A printable HTML page (<see cref="StatementHtml"/>).</summary>
    Html = 2,
}

/// <summary>
/// Statements between a CPO and an EMSP, below every edge: built on demand from stored CDRs, closed into immutable
/// numbered statements (audited), listed and exported. Access: the two sides and the operator; a party that is neither
/// side learns nothing, not even that a statement number exists.
/// </summary>
public sealed class StatementFlow(
    StatementBuilder builder,
    ISettlementStore store,
    AccessPolicy access,
    AuditLog audit,
    IOptions<SettlementOptions> options)
{
    /// <summary>Text is written out in chunks of about this many characters.</summary>
    public const int ChunkChars = 64 * 1024;

    /// <summary>The statement of <paramref name="key"/> as it stands (the closed one when it is closed).</summary>
    public async Task<StatementView> GetAsync(CallerIdentity caller, StatementKey key, CancellationToken cancellationToken)
    {
        Require(caller, key);
        return await builder.GetAsync(key, cancellationToken);
    }

    /// <summary>
    /// Closes the statement of <paramref name="key"/> into a numbered one (idempotent: the second close returns the first);
    /// <paramref name="reason"/>, when given (the console asks for one), goes into the audit entry.
    /// </summary>
    public async Task<(StatementView Statement, bool Created)> CloseAsync(CallerIdentity caller, StatementKey key, CancellationToken cancellationToken, string? reason = null)
    {
        Require(caller, key);
        caller.RequireWrite();
        if (reason is { Length: > DisputeFlow.MaxReasonLength })
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"reason must be at most {DisputeFlow.MaxReasonLength} characters", "reason");
        }

        var (view, created) = await builder.CloseAsync(key, caller.Party?.ToString() ?? "operator", cancellationToken);
        await audit.RecordAsync(caller, "statements.close", $"statement {view.Closed!.Number}",
            $"{key.Cpo} / {key.Emsp} {key.Currency} {key.From:u} to {key.To:u}: {(created ? "closed" : "already closed")}, sha256 {view.Closed.ContentHash}{(string.IsNullOrWhiteSpace(reason) ? "" : $"; reason: {reason}")}", cancellationToken);
        return (view, created);
    }

    /// <summary>
    /// Closed statements by number, after a position (a number's text): the operator's of any party, a party's only its
    /// own (PermissionDenied when it names another party on its own side).
    /// </summary>
    public async Task<Page<StatementView>> ListAsync(CallerIdentity caller, PartyKey? cpo, PartyKey? emsp, string? after, int size, CancellationToken cancellationToken)
    {
        (cpo, emsp) = OwnSide(caller, cpo, emsp, "statements");
        var afterNumber = ParsePosition(after);
        var page = await store.ListStatementsAsync(new StatementListQuery { Cpo = cpo, Emsp = emsp, AfterNumber = afterNumber, Limit = size + 1 }, cancellationToken);
        var next = page.Count > size ? page[size - 1].Number.ToString(CultureInfo.InvariantCulture) : null;
        return new Page<StatementView>(page.Take(size).Select(StatementBuilder.View).ToList(), next);
    }

    /// <summary>Writes closed statement <paramref name="number"/> in <paramref name="format"/> to <paramref name="write"/>, in chunks of about <see cref="ChunkChars"/>.</summary>
    public async Task ExportAsync(CallerIdentity caller, long number, StatementExportFormat format, Func<string, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(write);
        if (number <= 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "number is required", "number");
        }

        var statement = await store.GetStatementAsync(number, cancellationToken);
        // A party that is neither side learns nothing, not even that the number exists.
        if (statement is null || (caller.Party is { } party && party != statement.Key.Cpo && party != statement.Key.Emsp))
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no statement {number} for you");
        }

        var buffer = new StringBuilder();
        async Task Write(string text, bool flush = false)
        {
            buffer.Append(text);
            if (flush || buffer.Length >= ChunkChars)
            {
                await write(buffer.ToString(), cancellationToken);
                buffer.Clear();
            }
        }

        if (format == StatementExportFormat.Html)
        {
            var view = await access.ViewAsync();
            var key = statement.Key;
            await Write(StatementHtml.Head(StatementBuilder.View(statement), view.GetParty(key.Cpo)?.Name ?? key.Cpo.ToString(), view.GetParty(key.Emsp)?.Name ?? key.Emsp.ToString()));
            await foreach (var line in store.ReadLinesAsync(statement.Number, cancellationToken))
            {
                await Write(StatementHtml.Row(line, key.Currency));
            }

            await Write(StatementHtml.Tail, flush: true);
        }
        else
        {
            await Write(StatementCsv.Header + "\n");
            await foreach (var line in store.ReadLinesAsync(statement.Number, cancellationToken))
            {
                await Write(line + "\n");
            }

            await Write("", flush: true);
        }
    }

    /// <summary>
    /// The (CPO, EMSP) filter a caller may list with: the operator's as asked; a party's own side always set to itself,
    /// PermissionDenied when it names another party there. Shared by statements and disputes.
    /// </summary>
    internal static (PartyKey? Cpo, PartyKey? Emsp) OwnSide(CallerIdentity caller, PartyKey? cpo, PartyKey? emsp, string what)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Party is not { } party)
        {
            return (cpo, emsp);
        }

        var named = party.Role == PartyRole.Cpo ? cpo : emsp;
        if (named is { } n && n != party)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{party} may only list its own {what}, not those of {n}");
        }

        return party.Role == PartyRole.Cpo ? (party, emsp) : (cpo, party);
    }

    /// <summary>A numeric keyset position (a statement number or dispute id), 0 when none; InvalidArgument when it is not one this hub returned.</summary>
    internal static long ParsePosition(string? after) =>
        after is null ? 0
        : long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a
        : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");

    private void Require(CallerIdentity caller, StatementKey key)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(key);
        if (StatementPeriod.Validate(key.From, key.To, key.Currency, options.Value.MaxPeriodDays) is { } problem)
        {
            throw new HubException(HubErrorCode.InvalidArgument, problem.Message, problem.Field);
        }

        if (caller.Party is { } party && party != key.Cpo && party != key.Emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"only {key.Cpo}, {key.Emsp} and the hub operator may see or close their statements");
        }
    }
}
