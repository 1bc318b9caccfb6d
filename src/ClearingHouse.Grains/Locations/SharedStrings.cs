using System.Collections.Concurrent;

namespace ClearingHouse.Grains.Locations;

/// <summary>
/// One instance per distinct short value of the location fields that repeat across locations
/// (EVSE uids such as "1" or "E1", connector ids, country, city, time zone, tariff ids ...).
/// A silo holds 100k+ locations with ten EVSEs each; without sharing, every EVSE carries its own
/// copies of the same few strings (measured: about 15% of a location's memory). The pool is
/// bounded: once full, values are kept as they are.
/// </summary>
internal static class SharedStrings
{
    private const int MaxEntries = 200_000;
    private const int MaxLength = 64;
    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static int _count;

    /// <summary>The location with its repeating strings replaced by their shared instances.</summary>
    public static LocationData Compact(LocationData location) => location with
    {
        City = Share(location.City),
        PostalCode = Share(location.PostalCode),
        State = Share(location.State),
        Country = Share(location.Country),
        TimeZone = Share(location.TimeZone),
        Evses = Array.ConvertAll(location.Evses, e => e with
        {
            Uid = Share(e.Uid),
            FloorLevel = Share(e.FloorLevel),
            Connectors = Array.ConvertAll(e.Connectors, c => c with
            {
                Id = Share(c.Id),
                TariffIds = c.TariffIds.Length == 0 ? [] : Array.ConvertAll(c.TariffIds, Share),
            }),
        }),
    };

    /// <summary>The shared instance of a short string (the string itself when long or the pool is full).</summary>
    public static string Share(string value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }

        if (value.Length > MaxLength)
        {
            return value;
        }

        if (Pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (Volatile.Read(ref _count) >= MaxEntries)
        {
            return value;
        }

        shared = Pool.GetOrAdd(value, value);
        if (ReferenceEquals(shared, value))
        {
            Interlocked.Increment(ref _count);
        }

        return shared;
    }
}
