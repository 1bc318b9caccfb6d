using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// The byte writer behind <see cref="PricingResultJson"/>: constant fragments copied as they are, and values written
/// exactly as <see cref="Utf8JsonWriter"/> with default options writes them. Fast paths cover what a breakdown
/// almost always holds (a decimal that fits in 64 bits, a string of printable ASCII that needs no escaping, the same
/// instant as the previous text); anything else is written by a <see cref="Utf8JsonWriter"/> and copied, so the text
/// never differs from the framework's. One instance per thread, reused.
/// </summary>
internal sealed class BreakdownWriter
{
    // Printable ASCII that Utf8JsonWriter's default encoder writes unescaped: 0x20-0x7E except " & ' + < > \ `.
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~");

    private byte[] _buffer = new byte[2048];
    private int _length;

    // The framework's writer for what the fast paths leave out, and the last instant it wrote (a batch's CDRs mostly
    // share their tariff version's last_updated).
    private ArrayBufferWriter<byte>? _scratch;
    private Utf8JsonWriter? _json;
    private DateTimeOffset _lastInstant;
    private byte[]? _lastInstantText;

    /// <summary>Starts a new text.</summary>
    public void Reset() => _length = 0;

    /// <summary>The text written since <see cref="Reset"/>.</summary>
    public string ToText() => Encoding.UTF8.GetString(_buffer, 0, _length);

    /// <summary>Copies UTF-8 bytes that are already JSON (a fragment such as <c>,"total":{"excl_vat":</c>).</summary>
    public void Raw(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(Free(utf8.Length));
        _length += utf8.Length;
    }

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    public void Boolean(bool value) => Raw(value ? "true"u8 : "false"u8);

    /// <summary>Writes an integer.</summary>
    public void Number(int value)
    {
        Utf8Formatter.TryFormat(value, Free(11), out var written);
        _length += written;
    }

    /// <summary>
    /// Writes a decimal as <see cref="Utf8JsonWriter.WriteNumberValue(decimal)"/> does (all its digits, trailing zeros
    /// of its scale kept, never an exponent): from the 64-bit integer of its digits and its scale when it has one.
    /// </summary>
    public void Number(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var negative = bits[3] < 0;
        var digitsValue = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        if (bits[2] != 0 || (negative && digitsValue == 0))
        {
            // 96-bit digits, or a negative zero: rare, and left to the framework.
            Framework().WriteNumberValue(value);
            CopyFramework();
            return;
        }

        var scale = (bits[3] >> 16) & 0xFF;
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(digitsValue, digits, out var count);
        var dest = Free(count + scale + 3);
        var n = 0;
        if (negative)
        {
            dest[n++] = (byte)'-';
        }

        if (scale == 0)
        {
            digits[..count].CopyTo(dest[n..]);
            n += count;
        }
        else if (count > scale)
        {
            var whole = count - scale;
            digits[..whole].CopyTo(dest[n..]);
            n += whole;
            dest[n++] = (byte)'.';
            digits[whole..count].CopyTo(dest[n..]);
            n += scale;
        }
        else
        {
            dest[n++] = (byte)'0';
            dest[n++] = (byte)'.';
            dest.Slice(n, scale - count).Fill((byte)'0');
            n += scale - count;
            digits[..count].CopyTo(dest[n..]);
            n += count;
        }

        _length += n;
    }

    /// <summary>Writes a JSON string (quoted and escaped as <see cref="Utf8JsonWriter"/> escapes it), or <c>null</c>.</summary>
    public void String(string? value)
    {
        if (value is null)
        {
            Raw("null"u8);
            return;
        }

        if (value.AsSpan().ContainsAnyExcept(Plain))
        {
            Framework().WriteStringValue(value);
            CopyFramework();
            return;
        }

        var dest = Free(value.Length + 2);
        dest[0] = (byte)'"';
        Ascii.FromUtf16(value, dest[1..], out _);
        dest[value.Length + 1] = (byte)'"';
        _length += value.Length + 2;
    }

    /// <summary>Writes an instant as <see cref="Utf8JsonWriter.WriteStringValue(DateTimeOffset)"/> does.</summary>
    public void Instant(DateTimeOffset value)
    {
        if (_lastInstantText is null || !_lastInstant.EqualsExact(value))
        {
            Framework().WriteStringValue(value);
            _json!.Flush();
            _lastInstantText = _scratch!.WrittenSpan.ToArray();
            _lastInstant = value;
        }

        Raw(_lastInstantText);
    }

    private Utf8JsonWriter Framework()
    {
        var scratch = _scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        var json = _json ??= new Utf8JsonWriter(scratch);
        json.Reset(scratch);
        return json;
    }

    private void CopyFramework()
    {
        _json!.Flush();
        Raw(_scratch!.WrittenSpan);
    }

    private Span<byte> Free(int size)
    {
        if (_buffer.Length - _length < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        return _buffer.AsSpan(_length);
    }
}
