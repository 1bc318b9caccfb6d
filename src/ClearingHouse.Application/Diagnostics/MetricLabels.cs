using System.Text;

namespace ClearingHouse.Application.Diagnostics;

/// <summary>
/// Label values of the hub's instruments. Where a proto enum names a value, the label is that name without the enum's
/// prefix, as the CLI prints it (<c>HUB_COPY</c>, not <c>HubCopy</c>): an SRE greps logs, CLI output and dashboards for
/// one word. Tags are built once per value (arrays indexed by the enum's number), so recording allocates nothing.
/// </summary>
public static class MetricLabels
{
    /// <summary>The proto-style name of a C# enum member name: <c>FallbackNoChannel</c> gives <c>FALLBACK_NO_CHANNEL</c>.</summary>
    public static string ProtoName(string pascalName)
    {
        ArgumentNullException.ThrowIfNull(pascalName);
        var name = new StringBuilder(pascalName.Length + 4);
        for (var i = 0; i < pascalName.Length; i++)
        {
            var c = pascalName[i];
            if (i > 0 && char.IsUpper(c) && !char.IsUpper(pascalName[i - 1]))
            {
                name.Append('_');
            }

            name.Append(char.ToUpperInvariant(c));
        }

        return name.ToString();
    }

    /// <summary>
    /// One tag <c>key=PROTO_NAME</c> per member of <typeparamref name="TEnum"/>, at the index of its number (members are
    /// small non-negative numbers in this code base; a gap holds the number's text).
    /// </summary>
    public static KeyValuePair<string, object?>[] TagsOf<TEnum>(string key)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var max = values.Max(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture));
        var tags = new KeyValuePair<string, object?>[max + 1];
        for (var i = 0; i <= max; i++)
        {
            tags[i] = new KeyValuePair<string, object?>(key, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var value in values)
        {
            tags[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = new KeyValuePair<string, object?>(key, ProtoName(value.ToString()));
        }

        return tags;
    }

    /// <summary>The tag of <paramref name="number"/> in <paramref name="tags"/> (from <see cref="TagsOf{TEnum}"/>); out of range gives the number's text.</summary>
    public static KeyValuePair<string, object?> Pick(KeyValuePair<string, object?>[] tags, int number, string key) =>
        (uint)number < (uint)tags.Length ? tags[number] : new KeyValuePair<string, object?>(key, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
