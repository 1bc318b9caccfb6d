using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClearingHouse.LoadTests.Reporting;

/// <summary>Writes report.json, report.md, series.csv and report.html into the results folder.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write(RunReport report, string? folder)
    {
        folder ??= Path.Combine("loadtest-results", $"{report.Scenario}-{report.StartedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(report, Json));
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(report));
        File.WriteAllText(Path.Combine(folder, "series.csv"), Csv(report));
        File.WriteAllText(Path.Combine(folder, "report.html"), Html(report));
        return Path.GetFullPath(folder);
    }

    private static string Markdown(RunReport r)
    {
        var md = new StringBuilder();
        md.AppendLine(I($"# Load test `{r.Scenario}` — {r.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC"));
        md.AppendLine();
        md.AppendLine(r.Description);
        md.AppendLine();
        md.AppendLine(I($"- Result: **{(r.Passed ? "PASS" : "FAIL")}**"));
        md.AppendLine(I($"- Machine: {r.Machine}"));
        md.AppendLine(I($"- Options: {string.Join(", ", r.Options.Select(o => $"`--{o.Key} {o.Value}`"))}"));
        md.AppendLine();
        md.AppendLine("Latency is measured from each arrival's intended send time (open model, no coordinated omission); ");
        md.AppendLine("service time from the actual send. Errors are counted by gRPC status code; dropped = arrivals refused because `--max-in-flight` calls were in flight.");
        md.AppendLine();
        md.AppendLine("| phase | mode | target | measured s | arrivals | ok | ok/s | errors | dropped | error rate | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | service p50 | service p99 |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (label, phase) in Phases(r))
        {
            var l = phase.Latency;
            var s = phase.Service;
            md.AppendLine(I(
                $"| {label} | {phase.Mode} | {phase.Profile ?? $"{phase.Concurrency} in flight"} | {phase.MeasuredSeconds} | {phase.Arrivals} | {phase.Ok} | {phase.Throughput:0} | {phase.Errors} | {phase.Dropped} | {phase.ErrorRate:0.######} | {l?.P50Ms} | {l?.P90Ms} | {l?.P99Ms} | {l?.P999Ms} | {l?.MaxMs} | {s?.P50Ms} | {s?.P99Ms} |"));
        }

        md.AppendLine();
        if (r.Figures is { Count: > 0 } figures)
        {
            md.AppendLine("| scenario figure (measured window) | value |");
            md.AppendLine("| --- | ---: |");
            foreach (var (name, value) in figures)
            {
                md.AppendLine(I($"| {name} | {value:0.###} |"));
            }

            md.AppendLine();
        }

        if (r.Calibration is { } c)
        {
            md.AppendLine(I($"Calibration: R = **{c.RawCapacity:0} calls/s** ({c.HalfLoad.Target}); at R/2 p50 {c.HalfLoad.Latency?.P50Ms} ms, p99 {c.HalfLoad.Latency?.P99Ms} ms{SameRateText(c)}."));
            md.AppendLine();
        }

        if (r.Ratios is { Count: > 0 })
        {
            md.AppendLine("| ratio | value |");
            md.AppendLine("| --- | ---: |");
            foreach (var ratio in r.Ratios)
            {
                md.AppendLine(I($"| {ratio.Key} | {ratio.Value} |"));
            }

            md.AppendLine();
        }

        if (r.Run?.ErrorsByCode is { Count: > 0 } errors)
        {
            md.AppendLine("Errors by status: " + string.Join(", ", errors.Select(e => $"{e.Key} {e.Value}")));
            md.AppendLine();
            foreach (var (kind, message) in r.Run.FirstErrors)
            {
                md.AppendLine($"- first {kind}: {message}");
            }

            md.AppendLine();
        }

        md.AppendLine(r.Thresholds.Count == 0 ? "No thresholds given." : "| threshold | limit | actual | result |");
        if (r.Thresholds.Count > 0)
        {
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var t in r.Thresholds)
            {
                md.AppendLine($"| {t.Name} | {t.Limit} | {t.Actual} | {(t.Passed ? "pass" : "**FAIL**")} |");
            }
        }

        foreach (var (label, phase) in Phases(r))
        {
            md.AppendLine();
            md.AppendLine($"## Per-interval series: {label}");
            md.AppendLine();
            md.AppendLine("| t (s) | phase | target/s | sent/s | ok/s | errors | dropped | in flight | p50 ms | p99 ms | max ms |");
            md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var s in phase.Intervals)
            {
                md.AppendLine(I(
                    $"| {s.EndSeconds:0.0} | {s.Phase} | {s.TargetRate?.ToString("0", CultureInfo.InvariantCulture) ?? "-"} | {s.ArrivalsPerSecond:0} | {s.OkPerSecond:0} | {s.Errors} | {s.Dropped} | {s.InFlightAtEnd} | {s.Latency?.P50Ms} | {s.Latency?.P99Ms} | {s.Latency?.MaxMs} |"));
            }
        }

        return md.ToString();
    }

    private static string Csv(RunReport r)
    {
        var csv = new StringBuilder("phase,index,start_s,end_s,interval_phase,target_per_s,arrivals,ok,errors,dropped,in_flight,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,service_p50_ms,service_p99_ms\n");
        foreach (var (label, phase) in Phases(r))
        {
            foreach (var s in phase.Intervals)
            {
                csv.AppendLine(I(
                    $"{label},{s.Index},{s.StartSeconds},{s.EndSeconds},{s.Phase},{s.TargetRate},{s.Arrivals},{s.Ok},{s.Errors},{s.Dropped},{s.InFlightAtEnd},{s.Latency?.P50Ms},{s.Latency?.P90Ms},{s.Latency?.P99Ms},{s.Latency?.P999Ms},{s.Latency?.MaxMs},{s.Service?.P50Ms},{s.Service?.P99Ms}"));
            }
        }

        return csv.ToString();
    }

    private static string Html(RunReport r)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Load test " + Enc(r.Scenario) + "</title>");
        html.AppendLine("<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f3f3f3}svg{background:#fff;border:1px solid #ddd;margin:8px 0}</style></head><body>");
        html.AppendLine(I($"<h1>{Enc(r.Scenario)}: {(r.Passed ? "PASS" : "FAIL")}</h1><p>{Enc(r.Description)}<br>{Enc(r.Machine)}<br>started {r.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC</p>"));
        html.AppendLine("<p>" + Enc(string.Join(", ", r.Options.Select(o => $"--{o.Key} {o.Value}"))) + "</p>");
        if (r.Calibration is { } c)
        {
            html.AppendLine(I($"<p>Calibration: R = <b>{c.RawCapacity:0} calls/s</b>; at R/2 p50 {c.HalfLoad.Latency?.P50Ms} ms, p99 {c.HalfLoad.Latency?.P99Ms} ms{SameRateText(c)}.</p>"));
        }

        if (r.Ratios is { Count: > 0 })
        {
            html.AppendLine("<p>" + Enc(string.Join(", ", r.Ratios.Select(x => I($"{x.Key} = {x.Value}")))) + "</p>");
        }

        foreach (var t in r.Thresholds)
        {
            html.AppendLine($"<p>threshold {Enc(t.Name)} {Enc(t.Limit)}: {Enc(t.Actual)} → <b>{(t.Passed ? "pass" : "FAIL")}</b></p>");
        }

        foreach (var (label, phase) in Phases(r))
        {
            html.AppendLine(I($"<h2>{Enc(label)}: {Enc(phase.Target)}</h2>"));
            html.AppendLine(I($"<p>{phase.Mode} {Enc(phase.Profile ?? $"{phase.Concurrency} in flight")}: ok {phase.Throughput:0}/s, errors {phase.Errors}, dropped {phase.Dropped}, latency {Enc(ConsoleProgress.Percentiles(phase.Latency))}</p>"));
            // A sliver of an interval (the last one, often a few ms) gives a meaningless per-second rate.
            var intervals = phase.Intervals.Where(s => s.EndSeconds - s.StartSeconds >= 0.1).ToList();
            var warmupEnd = phase.WarmupSeconds;
            html.AppendLine(SvgChart.Render(
                "Throughput (per second)",
                "calls/s",
                warmupEnd,
                [
                    new("target", "#999999", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, s.TargetRate)).ToList()),
                    new("offered", "#1f77b4", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, (double?)s.ArrivalsPerSecond)).ToList()),
                    new("ok", "#2ca02c", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, (double?)s.OkPerSecond)).ToList()),
                    new("errors+dropped", "#d62728", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, (double?)Math.Round((s.Errors + s.Dropped) / (s.EndSeconds - s.StartSeconds), 1))).ToList()),
                ]));
            html.AppendLine(SvgChart.Render(
                "Latency from intended send (ms)",
                "ms",
                warmupEnd,
                [
                    new("p50", "#2ca02c", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, s.Latency?.P50Ms)).ToList()),
                    new("p90", "#1f77b4", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, s.Latency?.P90Ms)).ToList()),
                    new("p99", "#ff7f0e", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, s.Latency?.P99Ms)).ToList()),
                    new("max", "#d62728", intervals.Select(s => ((s.StartSeconds + s.EndSeconds) / 2, s.Latency?.MaxMs)).ToList()),
                ],
                logY: true));
        }

        html.AppendLine("<p>Per-second series: report.json, series.csv, report.md.</p></body></html>");
        return html.ToString();
    }

    private static string SameRateText(CalibrationResult c) => c.SameRate is { } same
        ? I($"; at the scenario's rate ({same.Profile}) p50 {same.Latency?.P50Ms} ms, p99 {same.Latency?.P99Ms} ms")
        : "";

    private static IEnumerable<(string Label, PhaseResult Phase)> Phases(RunReport r)
    {
        if (r.Calibration is { } c && r.Scenario != "calibrate")
        {
            yield return ("calibration R/2", c.HalfLoad);
            if (c.SameRate is { } same)
            {
                yield return ("calibration, scenario's rate", same);
            }
        }

        if (r.Saturation is { } s)
        {
            yield return ("saturation", s);
        }

        if (r.Run is { } run)
        {
            yield return ("open run", run);
        }
    }

    private static string Enc(string text) => WebUtility.HtmlEncode(text);

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
