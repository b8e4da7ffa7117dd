using System.Buffers;
using System.Globalization;
using System.Text;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>
/// InfluxDB line protocol written straight to UTF-8 bytes (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/):
/// <c>measurement,tag=v,... field=v,... timestamp\n</c>. Tags and fields are written in ordinal key order, as InfluxDB
/// recommends, so one reading always gives the same bytes. Escaping: commas and spaces in measurements; commas, equals
/// signs and spaces in tag keys, tag values and field keys; double quotes and backslashes in string field values;
/// newlines, carriage returns and tabs in keys and tag values as <c>\n</c>, <c>\r</c>, <c>\t</c>. A tag with an empty
/// value and a non-finite float field are left out (the protocol cannot carry them); a point left without fields is
/// not written at all. Floats use the shortest text that reads back as the same double.
/// <para>One buffer is reused from batch to batch (<see cref="Clear"/>); not thread-safe.</para>
/// </summary>
public sealed class LineProtocolBuffer
{
    private static readonly SearchValues<char> KeySpecial = SearchValues.Create(", =\n\r\t");
    private static readonly SearchValues<char> MeasurementSpecial = SearchValues.Create(", \n\r\t");
    private static readonly SearchValues<char> StringSpecial = SearchValues.Create("\"\\");

    private readonly List<(string Key, string Value)> _tags = new(8);
    private readonly List<PendingField> _fields = new(16);
    private byte[] _bytes;
    private int _length;
    private string? _measurement;

    /// <summary>A buffer with room for <paramref name="capacity"/> bytes before it grows.</summary>
    public LineProtocolBuffer(int capacity = 64 * 1024) => _bytes = new byte[Math.Max(capacity, 256)];

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, _length);

    /// <summary>How many bytes are written.</summary>
    public int Length => _length;

    /// <summary>Forgets what was written, keeping the memory for the next batch.</summary>
    public void Clear()
    {
        _length = 0;
        _measurement = null;
        _tags.Clear();
        _fields.Clear();
    }

    /// <summary>The bytes written, as text.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_bytes, 0, _length);

    /// <summary>Starts a point of <paramref name="measurement"/>; <see cref="End"/> writes it.</summary>
    public LineProtocolBuffer Point(string measurement)
    {
        _measurement = measurement;
        _tags.Clear();
        _fields.Clear();
        return this;
    }

    /// <summary>Adds a tag; an empty or null value is left out.</summary>
    public LineProtocolBuffer Tag(string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _tags.Add((key, value));
        }

        return this;
    }

    /// <summary>Adds a float field; NaN and infinities are left out.</summary>
    public LineProtocolBuffer Field(string key, double value)
    {
        if (double.IsFinite(value))
        {
            _fields.Add(new PendingField(key, FieldKind.Float, value, 0, null));
        }

        return this;
    }

    /// <summary>Adds an integer field (<c>123i</c>).</summary>
    public LineProtocolBuffer Field(string key, long value)
    {
        _fields.Add(new PendingField(key, FieldKind.Integer, 0, value, null));
        return this;
    }

    /// <summary>Adds a boolean field.</summary>
    public LineProtocolBuffer Field(string key, bool value)
    {
        _fields.Add(new PendingField(key, FieldKind.Boolean, 0, value ? 1 : 0, null));
        return this;
    }

    /// <summary>Adds a string field; null is left out.</summary>
    public LineProtocolBuffer Field(string key, string? value)
    {
        if (value is not null)
        {
            _fields.Add(new PendingField(key, FieldKind.String, 0, 0, value));
        }

        return this;
    }

    /// <summary>Writes the point started by <see cref="Point"/> with its nanosecond timestamp; nothing if it has no fields.</summary>
    public void End(DateTimeOffset timestamp)
    {
        if (_measurement is null)
        {
            throw new InvalidOperationException("End without Point");
        }

        if (_fields.Count > 0)
        {
            _tags.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            _fields.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            Escaped(_measurement, MeasurementSpecial);
            foreach ((string key, string value) in _tags)
            {
                Byte((byte)',');
                Escaped(key, KeySpecial);
                Byte((byte)'=');
                Escaped(value, KeySpecial);
            }

            for (int i = 0; i < _fields.Count; i++)
            {
                Byte(i == 0 ? (byte)' ' : (byte)',');
                WriteField(_fields[i]);
            }

            Byte((byte)' ');
            long ns = (timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
            Formatted(ns, null);
            Byte((byte)'\n');
        }

        _measurement = null;
    }

    private void WriteField(PendingField field)
    {
        Escaped(field.Key, KeySpecial);
        Byte((byte)'=');
        switch (field.Kind)
        {
            case FieldKind.Float:
                Formatted(field.Float, "R");
                break;
            case FieldKind.Integer:
                Formatted(field.Integer, null);
                Byte((byte)'i');
                break;
            case FieldKind.Boolean:
                Ascii(field.Integer != 0 ? "true" : "false");
                break;
            default:
                Byte((byte)'"');
                ReadOnlySpan<char> text = field.Text;
                for (int next; (next = text.IndexOfAny(StringSpecial)) >= 0; text = text[(next + 1)..])
                {
                    Utf8(text[..next]);
                    Byte((byte)'\\');
                    Byte((byte)text[next]);
                }

                Utf8(text);
                Byte((byte)'"');
                break;
        }
    }

    // Only ASCII is ever escaped, so the runs between escapes are whole UTF-16 text (surrogate pairs stay together).
    private void Escaped(string value, SearchValues<char> special)
    {
        ReadOnlySpan<char> text = value;
        for (int next; (next = text.IndexOfAny(special)) >= 0; text = text[(next + 1)..])
        {
            Utf8(text[..next]);
            char c = text[next];
            switch (c)
            {
                case '\n':
                    Ascii("\\n");
                    break;
                case '\r':
                    Ascii("\\r");
                    break;
                case '\t':
                    Ascii("\\t");
                    break;
                default:
                    Byte((byte)'\\');
                    Byte((byte)c);
                    break;
            }
        }

        Utf8(text);
    }

    private void Formatted<T>(T value, string? format)
        where T : IUtf8SpanFormattable
    {
        Ensure(32);
        if (!value.TryFormat(_bytes.AsSpan(_length), out int written, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a number did not fit in 32 bytes");
        }

        _length += written;
    }

    private void Utf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _bytes.AsSpan(_length));
    }

    private void Ascii(string text)
    {
        Ensure(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            _bytes[_length++] = (byte)text[i];
        }
    }

    private void Byte(byte b)
    {
        Ensure(1);
        _bytes[_length++] = b;
    }

    private void Ensure(int more)
    {
        if (_length + more > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + more));
        }
    }

    private enum FieldKind : byte
    {
        Float,
        Integer,
        Boolean,
        String,
    }

    private readonly record struct PendingField(string Key, FieldKind Kind, double Float, long Integer, string? Text);
}
