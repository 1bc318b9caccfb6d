using System.Data.Common;
using System.Globalization;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Invoices;

namespace ClearingHouse.Storage.Relational.Invoices;

/// <summary>
/// <see cref="IInvoiceStore"/> over ADO.NET, the same SQL for SQLite and PostgreSQL: tables <c>invoices</c>,
/// <c>invoice_lines</c> and <c>invoiced_cdrs</c> (primary key CPO + CDR id: a CDR is invoiced at most once), created by
/// the backend's migration step. Amounts are stored as invariant decimal text, so they come back exactly as checked.
/// </summary>
public abstract class RelationalInvoiceStore : IInvoiceStore
{
    private const string InsertColumns =
        "owner_country, owner_party, owner_role, record_id, invoice_id, cpo_country, cpo_party, emsp_country, emsp_party, statement_number, totals, last_updated, received_at";

    private const string InvoiceColumns = "number, " + InsertColumns;

    /// <summary>Opens a connection for reads.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs a write on a connection, serialized as the backend requires.</summary>
    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="exception"/> is a unique-key violation.</summary>
    protected abstract bool IsUniqueViolation(DbException exception);

    /// <inheritdoc />
    public async Task<(InvoiceRecord Invoice, bool Created)> InsertAsync(InvoiceRecord draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var (invoice, created) = await WriteAsync<(InvoiceRecord?, bool)>(
            async (connection, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                long number;
                using (var insert = connection.Command(
                    $"INSERT INTO invoices ({InsertColumns}) VALUES (@oc, @op, @or, @rid, @iid, @cc, @cp, @ec, @ep, @stmt, @totals, @updated, @received) " +
                    "ON CONFLICT DO NOTHING RETURNING number", transaction))
                {
                    AddOwner(insert, draft.Owner, draft.Id);
                    insert.Add("@iid", draft.InvoiceId);
                    insert.Add("@cc", draft.Cpo.CountryCode);
                    insert.Add("@cp", draft.Cpo.PartyId);
                    insert.Add("@ec", draft.Emsp.CountryCode);
                    insert.Add("@ep", draft.Emsp.PartyId);
                    insert.Add("@stmt", draft.StatementNumber);
                    insert.Add("@totals", WriteTotals(draft.Totals));
                    insert.Add("@updated", draft.LastUpdated.UtcTicks);
                    insert.Add("@received", draft.ReceivedAt.UtcTicks);
                    if (await insert.ExecuteScalarAsync(ct) is not long assigned)
                    {
                        return ((InvoiceRecord?)null, false);
                    }

                    number = assigned;
                }

                using var line = connection.Command("INSERT INTO invoice_lines (number, line_no, cdr_id, currency, excl_vat, incl_vat) VALUES (@n, @line, @id, @cur, @excl, @incl)", transaction);
                line.Add("@n", number);
                var lineNo = line.Add("@line");
                var lineId = line.Add("@id");
                var currency = line.Add("@cur");
                var excl = line.Add("@excl");
                var incl = line.Add("@incl");
                using var mark = connection.Command("INSERT INTO invoiced_cdrs (cpo_country, cpo_party, cdr_id, number, line_no) VALUES (@cc, @cp, @id, @n, @line)", transaction);
                mark.Add("@cc", draft.Cpo.CountryCode);
                mark.Add("@cp", draft.Cpo.PartyId);
                mark.Add("@n", number);
                var markId = mark.Add("@id");
                var markLine = mark.Add("@line");
                try
                {
                    for (var i = 0; i < draft.Lines.Count; i++)
                    {
                        var l = draft.Lines[i];
                        lineNo.Value = i;
                        lineId.Value = l.CdrId;
                        currency.Value = l.Currency;
                        excl.Value = Text(l.ExclVat);
                        incl.Value = Text(l.InclVat);
                        await line.ExecuteNonQueryAsync(ct);
                        markId.Value = l.CdrId;
                        markLine.Value = i;
                        await mark.ExecuteNonQueryAsync(ct);
                    }
                }
                catch (DbException ex) when (IsUniqueViolation(ex))
                {
                    throw new HubException(HubErrorCode.FailedPrecondition, "a CDR of this invoice was invoiced by another invoice meanwhile; submit again to see which");
                }

                await transaction.CommitAsync(ct);
                return (draft with { Number = number }, true);
            },
            cancellationToken);
        if (invoice is not null)
        {
            return (invoice, created);
        }

        // The owner stored this record id before: the stored invoice is the answer.
        return (await FindAsync(draft.Owner, draft.Id, cancellationToken)
            ?? throw new InvalidOperationException($"invoice record {draft.Id} of {draft.Owner} conflicted but cannot be read"), false);
    }

    /// <inheritdoc />
    public async Task<InvoiceRecord?> GetAsync(long number, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {InvoiceColumns} FROM invoices WHERE number = @n");
        command.Add("@n", number);
        var found = await ReadInvoicesAsync(connection, command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<InvoiceRecord?> FindAsync(PartyKey owner, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {InvoiceColumns} FROM invoices WHERE owner_country = @oc AND owner_party = @op AND owner_role = @or AND record_id = @rid");
        AddOwner(command, owner, id);
        var found = await ReadInvoicesAsync(connection, command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InvoiceRecord>> ListAsync(InvoiceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        var sql = $"SELECT {InvoiceColumns} FROM invoices WHERE number > @after";
        if (query.Cpo is { } c)
        {
            sql += " AND cpo_country = @cc AND cpo_party = @cp";
            command.Add("@cc", c.CountryCode);
            command.Add("@cp", c.PartyId);
        }

        if (query.Emsp is { } e)
        {
            sql += " AND emsp_country = @ec AND emsp_party = @ep";
            command.Add("@ec", e.CountryCode);
            command.Add("@ep", e.PartyId);
        }

        command.CommandText = sql + " ORDER BY number LIMIT @limit";
        command.Add("@after", query.AfterNumber);
        command.Add("@limit", query.Limit);
        return await ReadInvoicesAsync(connection, command, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, long>> FindInvoicedAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default) =>
        FindNumbersAsync("invoiced_cdrs", cpo, cdrIds, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, long>> FindSettlingStatementsAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default) =>
        FindNumbersAsync("settled_cdrs", cpo, cdrIds, cancellationToken);

    /// <inheritdoc />
    public async Task<InvoicedSum> SumInvoicedOnStatementAsync(long statementNumber, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command(
            "SELECT l.excl_vat, l.incl_vat FROM settled_cdrs s " +
            "JOIN invoiced_cdrs i ON i.cpo_country = s.cpo_country AND i.cpo_party = s.cpo_party AND i.cdr_id = s.cdr_id " +
            "JOIN invoice_lines l ON l.number = i.number AND l.line_no = i.line_no WHERE s.number = @n");
        command.Add("@n", statementNumber);
        var sum = InvoicedSum.None;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sum = new InvoicedSum(sum.Count + 1, sum.ExclVat + Parse(reader.GetString(0)), sum.InclVat + Parse(reader.GetString(1)));
        }

        return sum;
    }

    private async Task<IReadOnlyDictionary<string, long>> FindNumbersAsync(string table, PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cdrIds);
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT number FROM {table} WHERE cpo_country = @cc AND cpo_party = @cp AND cdr_id = @id");
        command.Add("@cc", cpo.CountryCode);
        command.Add("@cp", cpo.PartyId);
        var id = command.Add("@id");
        foreach (var cdrId in cdrIds)
        {
            id.Value = cdrId;
            if (await command.ExecuteScalarAsync(cancellationToken) is { } number and not DBNull)
            {
                found[cdrId] = Convert.ToInt64(number, CultureInfo.InvariantCulture);
            }
        }

        return found;
    }

    private static void AddOwner(DbCommand command, PartyKey owner, string id)
    {
        command.Add("@oc", owner.CountryCode);
        command.Add("@op", owner.PartyId);
        command.Add("@or", (int)owner.Role);
        command.Add("@rid", id);
    }

    private static async Task<IReadOnlyList<InvoiceRecord>> ReadInvoicesAsync(DbConnection connection, DbCommand command, CancellationToken ct)
    {
        var list = new List<InvoiceRecord>();
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                list.Add(new InvoiceRecord
                {
                    Number = r.GetInt64(0),
                    Owner = new PartyKey(r.GetString(1), r.GetString(2), (PartyRole)r.GetInt32(3)),
                    Id = r.GetString(4),
                    InvoiceId = r.GetString(5),
                    Cpo = new PartyKey(r.GetString(6), r.GetString(7), PartyRole.Cpo),
                    Emsp = new PartyKey(r.GetString(8), r.GetString(9), PartyRole.Emsp),
                    StatementNumber = r.IsDBNull(10) ? null : r.GetInt64(10),
                    Totals = ReadTotals(r.GetString(11)),
                    LastUpdated = new DateTimeOffset(r.GetInt64(12), TimeSpan.Zero),
                    ReceivedAt = new DateTimeOffset(r.GetInt64(13), TimeSpan.Zero),
                    Lines = [],
                });
            }
        }

        using var lines = connection.Command("SELECT cdr_id, currency, excl_vat, incl_vat FROM invoice_lines WHERE number = @n ORDER BY line_no");
        var n = lines.Add("@n");
        for (var i = 0; i < list.Count; i++)
        {
            n.Value = list[i].Number;
            var read = new List<InvoiceLineRecord>();
            await using var r = await lines.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                read.Add(new InvoiceLineRecord(r.GetString(0), r.GetString(1), Parse(r.GetString(2)), Parse(r.GetString(3))));
            }

            list[i] = list[i] with { Lines = read };
        }

        return list;
    }

    /// <summary>Totals as text: <c>CUR excl incl</c> per currency, separated by <c>;</c>.</summary>
    private static string WriteTotals(IReadOnlyList<InvoiceTotalRecord> totals) =>
        string.Join(';', totals.Select(t => $"{t.Currency} {Text(t.ExclVat)} {Text(t.InclVat)}"));

    private static List<InvoiceTotalRecord> ReadTotals(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split(' '))
            .Select(p => new InvoiceTotalRecord(p[0], Parse(p[1]), Parse(p[2])))
            .ToList();

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static decimal Parse(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
