using System.Globalization;
using ClearingHouse.Application.Settlement.Invoices;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.Server.Invoices;

/// <summary>Invoice records between protobuf and the core.</summary>
public static class InvoiceMapping
{
    /// <summary>A submitted record as the core takes it (amounts stay text: a bad one is a line's reason, not an error).</summary>
    public static InvoiceDraft ToDraft(InvoiceReconciliationRecord? record)
    {
        record ??= new InvoiceReconciliationRecord();
        return new InvoiceDraft
        {
            Id = record.Id,
            InvoiceId = record.InvoiceId,
            Counterparty = record.Counterparty is null ? null : ProtoMapping.ToKey(record.Counterparty, "counterparty"),
            StatementNumber = record.StatementNumber == 0 ? null : record.StatementNumber,
            LastUpdated = record.LastUpdated is null ? null : ProtoMapping.ToInstant(record.LastUpdated, "last_updated"),
            Lines = record.Cdrs.Select(l => new InvoiceLineDraft(l.CdrId, l.Amount?.ExclVat ?? "", l.Amount?.InclVat, l.Amount?.Currency ?? "")).ToList(),
            Totals = record.Totals.Select(t => new InvoiceTotalDraft(t.Currency, t.ExclVat, t.InclVat)).ToList(),
        };
    }

    /// <summary>A stored record as the wire shows it.</summary>
    public static InvoiceReconciliationRecord ToProto(this InvoiceRecord invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var proto = new InvoiceReconciliationRecord
        {
            Number = invoice.Number,
            Owner = invoice.Owner.ToProto(),
            Id = invoice.Id,
            InvoiceId = invoice.InvoiceId,
            Counterparty = (invoice.Owner == invoice.Cpo ? invoice.Emsp : invoice.Cpo).ToProto(),
            LastUpdated = Timestamp.FromDateTimeOffset(invoice.LastUpdated),
            StatementNumber = invoice.StatementNumber ?? 0,
            ReceivedAt = Timestamp.FromDateTimeOffset(invoice.ReceivedAt),
        };
        proto.Cdrs.AddRange(invoice.Lines.Select(l => new InvoiceLine { CdrId = l.CdrId, Amount = Price(l.ExclVat, l.InclVat, l.Currency) }));
        proto.Totals.AddRange(invoice.Totals.Select(t => Price(t.ExclVat, t.InclVat, t.Currency)));
        return proto;
    }

    /// <summary>The core's answer to a submission as the wire shows it.</summary>
    public static SubmitInvoiceResponse ToProto(this InvoiceSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var response = new SubmitInvoiceResponse { Reconciled = submission.Reconciled, Created = submission.Created, Record = submission.Invoice?.ToProto() };
        foreach (var line in submission.Lines)
        {
            var result = new Contracts.V1.InvoiceLineResult
            {
                Index = line.Index,
                CdrId = line.CdrId,
                Status = line.Accepted ? InvoiceLineStatus.Accepted : InvoiceLineStatus.Refused,
            };
            result.Reasons.AddRange(line.Reasons.Select(ToProto));
            SetPrice(result, line.Price);
            response.Lines.Add(result);
        }

        response.Totals.AddRange(submission.Totals.Select(ToProto));
        response.HubComparison.AddRange((submission.HubComparison ?? []).Select(c => new Contracts.V1.InvoiceHubComparison
        {
            Currency = c.Currency,
            Invoiced = Price(c.Invoiced.ExclVat, c.Invoiced.InclVat, c.Currency),
            Hub = Price(c.Hub.ExclVat, c.Hub.InclVat, c.Currency),
            Difference = Price(c.Difference.ExclVat, c.Difference.InclVat, c.Currency),
            UnpricedLines = c.Unpriced,
        }));
        return response;
    }

    /// <summary>A stored invoice with the hub's price of each line (<see cref="InvoiceFlow.GetWithPricesAsync"/>).</summary>
    public static GetInvoiceResponse ToGetResponse(InvoiceRecord invoice, IReadOnlyList<InvoiceLinePrice?> prices)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(prices);
        var response = new GetInvoiceResponse { Record = invoice.ToProto() };
        for (var i = 0; i < invoice.Lines.Count; i++)
        {
            var result = new Contracts.V1.InvoiceLineResult { Index = i, CdrId = invoice.Lines[i].CdrId, Status = InvoiceLineStatus.Accepted, WithinTolerance = true };
            SetPrice(result, i < prices.Count ? prices[i] : null);
            response.Lines.Add(result);
        }

        return response;
    }

    // The hub's own price beside a line: price check, hub amount, difference, within tolerance (absent: not priced).
    private static void SetPrice(Contracts.V1.InvoiceLineResult result, InvoiceLinePrice? price)
    {
        if (price is null)
        {
            return;
        }

        result.PriceCheck = price.PriceCheck;
        result.WithinTolerance = price.WithinTolerance;
        result.HubAmount = price.Hub is { } hub ? Price(hub.ExclVat, hub.InclVat, price.Currency) : null;
        result.Difference = price.Difference is { } d ? Price(d.ExclVat, d.InclVat, price.Currency) : null;
    }

    private static Contracts.V1.InvoiceProblem ToProto(Application.Settlement.Invoices.InvoiceProblem problem) =>
        new() { Field = problem.Field, Description = problem.Description };

    private static Price Price(decimal exclVat, decimal inclVat, string currency) => new()
    {
        ExclVat = exclVat.ToString(CultureInfo.InvariantCulture),
        InclVat = inclVat.ToString(CultureInfo.InvariantCulture),
        Currency = currency,
    };
}
