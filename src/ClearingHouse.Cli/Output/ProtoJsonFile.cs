using Google.Protobuf;

namespace ClearingHouse.Cli.Output;

/// <summary>Reads a file of protobuf JSON (camelCase field names, enum values by their proto names) a command names.</summary>
public static class ProtoJsonFile
{
    /// <summary>
    /// Parses <paramref name="file"/> as <typeparamref name="T"/>; any problem (missing file, broken JSON, an unknown
    /// field or enum value) is a usage error naming the file and, when the parser says, the field.
    /// </summary>
    public static T Read<T>(FileInfo file, string what)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(file);
        string text;
        try
        {
            text = File.ReadAllText(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read '{file.FullName}': {ex.Message}");
        }

        try
        {
            return JsonParser.Default.Parse<T>(text);
        }
        catch (Exception ex) when (ex is InvalidJsonException or InvalidProtocolBufferException or FormatException or ArgumentException)
        {
            // InvalidJsonException: not JSON at all; InvalidProtocolBufferException: JSON that does not fit the message
            // (its text names the field or enum value); the others: a value of the wrong shape (a timestamp, a number).
            throw new UsageException($"'{file.Name}' is not {what} in protobuf JSON: {ex.Message}");
        }
    }
}
