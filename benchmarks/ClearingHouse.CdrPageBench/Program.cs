using System.Diagnostics;
using System.Globalization;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Cdrs;
using Microsoft.Extensions.Options;

// Times PostgresCdrStore.ListAsync for one (CPO, EMSP, day), as ListCdrs(page_size 1000) asks for it (Limit 1001),
// over random samples of the data scripts/bench-cdr-page.sh generates (NL-C00..C19, DE-E00..E09, days from 2026-01-01).
// Usage: ClearingHouse.CdrPageBench "<connection string>" [samples] [days]
var connectionString = args.Length > 0 ? args[0] : "Host=127.0.0.1;Port=5439;Username=postgres;Database=cdr_page_bench";
var samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var days = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
await using var connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = connectionString }));
var store = new PostgresCdrStore(connections);
var random = new Random(6);
var first = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
var times = new List<double>();
for (var i = -5; i < samples; i++) // 5 unrecorded calls open the pool and the schema check
{
    var cpo = new PartyKey("NL", $"C{random.Next(20):D2}", PartyRole.Cpo);
    var emsp = new PartyKey("DE", $"E{random.Next(10):D2}", PartyRole.Emsp);
    var day = first.AddDays(random.Next(days));
    var started = Stopwatch.GetTimestamp();
    var page = await store.ListAsync(new CdrQuery { Cpo = cpo, Emsp = emsp, From = day, To = day.AddDays(1), Limit = 1001 });
    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (i >= 0)
    {
        times.Add(ms);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {cpo} {emsp} {day:yyyy-MM-dd}: {page.Count} CDRs in {ms:0.0} ms"));
    }
}

times.Sort();
double At(double q) => times[Math.Min(times.Count - 1, (int)(q * times.Count))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"ListAsync page (Limit 1001) for one (CPO, EMSP, day), {times.Count} samples: median {At(0.5):0.0} ms, p90 {At(0.9):0.0} ms, max {times[^1]:0.0} ms; target <= 50 ms: {(times[^1] <= 50 ? "MET" : At(0.5) <= 50 ? "median MET, max NOT" : "NOT MET")}"));
