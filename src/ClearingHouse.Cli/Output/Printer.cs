using Google.Protobuf;

namespace ClearingHouse.Cli.Output;

/// <summary>Prints results as aligned tables for people, or as JSON for scripts.</summary>
public sealed class Printer(TextWriter output, bool json)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <summary>Whether output is JSON.</summary>
    public bool Json { get; } = json;

    /// <summary>Prints one message: JSON, or a two-column table of its fields.</summary>
    public void Message(IMessage message, params (string Name, string Value)[] fields)
    {
        if (Json)
        {
            output.WriteLine(Formatter.Format(message));
            return;
        }

        var width = fields.Length == 0 ? 0 : fields.Max(f => f.Name.Length);
        foreach (var (name, value) in fields)
        {
            output.WriteLine($"{name.PadRight(width)}  {value}");
        }
    }

    /// <summary>Prints a list: JSON (the whole response), or a table with a header row.</summary>
    public void Table<T>(IMessage response, IEnumerable<T> rows, string[] header, Func<T, string[]> cells)
    {
        if (Json)
        {
            output.WriteLine(Formatter.Format(response));
            return;
        }

        var all = new List<string[]> { header };
        all.AddRange(rows.Select(cells));
        var widths = new int[header.Length];
        foreach (var row in all)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in all)
        {
            output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }

        if (all.Count == 1)
        {
            output.WriteLine("(none)");
        }
    }

    /// <summary>Prints a line of text (tables only; JSON output stays machine-readable).</summary>
    public void Line(string text)
    {
        if (!Json)
        {
            output.WriteLine(text);
        }
    }
}
