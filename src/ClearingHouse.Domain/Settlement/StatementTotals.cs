namespace ClearingHouse.Domain.Settlement;

/// <summary>Sums over a set of statement lines; every figure is an exact <c>decimal</c> sum of the lines' figures.</summary>
public sealed record SectionTotals
{
    /// <summary>No lines.</summary>
    public static SectionTotals Empty { get; } = new();

    /// <summary>How many CDRs.</summary>
    public int Count { get; init; }

    /// <summary>Energy in kWh.</summary>
    public decimal EnergyKwh { get; init; }

    /// <summary>Charging time in hours.</summary>
    public decimal ChargingHours { get; init; }

    /// <summary>Parking time in hours.</summary>
    public decimal ParkingHours { get; init; }

    /// <summary>Costs by component.</summary>
    public ComponentCosts Components { get; init; }

    /// <summary>Total cost (the sum of the components).</summary>
    public Tariffs.Cost Total => Components.Total;

    /// <summary>These totals plus one line.</summary>
    public SectionTotals Plus(StatementLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new()
        {
            Count = Count + 1,
            EnergyKwh = EnergyKwh + line.EnergyKwh,
            ChargingHours = ChargingHours + line.ChargingHours,
            ParkingHours = ParkingHours + line.ParkingHours,
            Components = Components + line.Components,
        };
    }
}

/// <summary>
/// The figures of a statement: what is payable (charges and credits netted, late CDRs of closed periods
/// included), with the same lines split out, and the disputed CDRs apart (never in the payable total).
/// </summary>
public sealed record StatementTotals
{
    /// <summary>Charges plus credits (credits are negative): what the EMSP owes the CPO.</summary>
    public SectionTotals Payable { get; init; } = SectionTotals.Empty;

    /// <summary>The regular CDRs.</summary>
    public SectionTotals Charges { get; init; } = SectionTotals.Empty;

    /// <summary>The credit CDRs (negative).</summary>
    public SectionTotals Credits { get; init; } = SectionTotals.Empty;

    /// <summary>The payable lines that are late CDRs of an already closed period (included in Payable).</summary>
    public SectionTotals Adjustments { get; init; } = SectionTotals.Empty;

    /// <summary>CDRs under dispute: shown, not payable.</summary>
    public SectionTotals Disputed { get; init; } = SectionTotals.Empty;

    /// <summary>
    /// The payable total rounded to the currency's minor unit (<see cref="MinorUnits"/>) with
    /// <see cref="MidpointRounding.AwayFromZero"/>: the amount to invoice. The exact total is <c>Payable.Total</c>.
    /// </summary>
    public Tariffs.Cost AmountDue(string currency) =>
        new(MoneyDisplay.Round(Payable.Total.ExclVat, currency), MoneyDisplay.Round(Payable.Total.InclVat, currency));

    /// <summary>Adds one line to the section(s) it belongs to.</summary>
    public StatementTotals Plus(StatementLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Kind switch
        {
            LineKind.Disputed => this with { Disputed = Disputed.Plus(line) },
            _ => this with
            {
                Payable = Payable.Plus(line),
                Charges = line.Kind == LineKind.Charge ? Charges.Plus(line) : Charges,
                Credits = line.Kind == LineKind.Credit ? Credits.Plus(line) : Credits,
                Adjustments = line.AdjustmentOf is null ? Adjustments : Adjustments.Plus(line),
            },
        };
    }

    /// <summary>ISO 4217 minor units: 0 for currencies without cents (JPY, KRW, ...), 3 for the dinars, else 2.</summary>
    public static int MinorUnits(string currency) => currency switch
    {
        "BIF" or "CLP" or "DJF" or "GNF" or "ISK" or "JPY" or "KMF" or "KRW" or "PYG" or "RWF" or "UGX" or "UYI" or "VND" or "VUV" or "XAF" or "XOF" or "XPF" => 0,
        "BHD" or "IQD" or "JOD" or "KWD" or "LYD" or "OMR" or "TND" => 3,
        _ => 2,
    };
}
