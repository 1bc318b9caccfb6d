namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// OCPI 2.2.1 <c>Price</c>: an amount excluding and, optionally, including VAT. A tariff's OCPI 2.3 <c>PriceLimit</c>
/// maps onto it: <c>before_taxes</c> is <see cref="ExclVat"/>, <c>after_taxes</c> is <see cref="InclVat"/>.
/// </summary>
public sealed record Price
{
    /// <summary>The amount excluding VAT (<c>excl_vat</c>).</summary>
    public required decimal ExclVat { get; init; }

    /// <summary>The amount including VAT (<c>incl_vat</c>); null when the source did not give it.</summary>
    public decimal? InclVat { get; init; }
}

/// <summary>OCPI 2.2.1 <c>DisplayText</c>: a text in one language.</summary>
public sealed record DisplayText
{
    /// <summary>ISO 639-1 language code (<c>language</c>).</summary>
    public string Language { get; init; } = "";

    /// <summary>The text (<c>text</c>).</summary>
    public string Text { get; init; } = "";
}
