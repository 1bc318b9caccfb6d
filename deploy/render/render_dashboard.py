#!/usr/bin/env python3
"""Renders deploy/grafana-dashboard.json from a real Prometheus, without Grafana (not installable here).

Every panel's queries are the dashboard's own PromQL, sent unchanged to Prometheus' query_range API except for the two
Grafana variables: $instance becomes ".*" (the dashboard's "All") and $__rate_interval becomes --rate-interval (Grafana
uses 4 x the scrape interval). The panels are laid out on the dashboard's 24-column grid (gridPos), each series is
drawn as an SVG line with its legendFormat and the panel's unit, and the page is written as one self-contained HTML
file that a headless browser turns into a PNG (see render-dashboard.sh). Python standard library only.
"""
import argparse
import html
import json
import math
import re
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timezone

COLOURS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff780a", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a", "#96d98d", "#ff9830"]
CELL_W, CELL_H = 60, 30  # pixels per grid column and grid row (Grafana's row height is 30 px)


def query_range(prometheus, expr, start, end, step):
    url = prometheus.rstrip("/") + "/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": step})
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"Prometheus refused {expr}: {body}")
    return body["data"]["result"]


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


def legend(fmt, metric, expr):
    if not fmt:
        return ", ".join(f"{k}={v}" for k, v in sorted(metric.items())) or expr
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt)


def fmt_value(v, unit):
    if unit == "s":
        if v == 0:
            return "0"
        if abs(v) < 1e-3:
            return f"{v * 1e6:.0f} µs"
        if abs(v) < 1:
            return f"{v * 1e3:.3g} ms"
        return f"{v:.3g} s"
    suffix = {"reqps": " req/s", "ops": " ops/s"}.get(unit, "")
    if abs(v) >= 1000:
        return f"{v / 1000:.3g}k{suffix}"
    return f"{v:.3g}{suffix}"


def nice_max(v):
    if v <= 0 or not math.isfinite(v):
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * exp:
            return m * exp
    return 10 * exp


def panel_svg(panel, series, start, end, width, height):
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
    legend_h = 18 * min(4, max(1, (len(series) + 2) // 3))
    left, right, top, bottom = 62, 12, 30, 22 + legend_h
    pw, ph = width - left - right, height - top - bottom
    values = [v for s in series for _, v in s["points"]]
    ymax = nice_max(max(values) if values else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="3" fill="#181b1f" stroke="#2c3235"/>',
             f'<text x="10" y="19" class="title">{html.escape(panel["title"])}</text>']
    for i in range(5):
        y = top + ph - ph * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{html.escape(fmt_value(ymax * i / 4, unit))}</text>')
    for i in range(5):
        t = start + (end - start) * i / 4
        x = left + pw * i / 4
        label = datetime.fromtimestamp(t, timezone.utc).strftime("%H:%M:%S")
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 15}" class="axis" text-anchor="{anchor}">{label}</text>')
    if not series:
        parts.append(f'<text x="{left + pw / 2}" y="{top + ph / 2}" class="nodata" text-anchor="middle">No data</text>')
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        path, pen = [], "M"
        previous = None
        for t, v in s["points"]:
            # A gap of more than 2 steps (a series that stopped, a NaN) breaks the line, as Grafana does.
            if previous is not None and t - previous > 2.5 * s["step"]:
                pen = "M"
            x = left + pw * (t - start) / (end - start)
            y = top + ph - ph * min(v, ymax) / ymax
            path.append(f"{pen}{x:.1f},{y:.1f}")
            pen, previous = "L", t
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
    # The legend as Grafana's "list" mode draws it: a colour and the series' name, no values.
    column = (width - 20) / 3
    for k, s in enumerate(series[:12]):
        col, row = k % 3, k // 3
        x, y = 10 + col * column, height - legend_h + 12 + row * 18 - 4
        fits = max(8, int((column - 20) / 6.1))
        text = s["name"] if len(s["name"]) <= fits else s["name"][:fits - 1] + "…"
        parts.append(f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="10" height="3" fill="{COLOURS[k % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y:.1f}" class="legend">{html.escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboard", required=True)
    parser.add_argument("--prometheus", required=True, help="e.g. http://127.0.0.1:9090")
    parser.add_argument("--start", type=float, required=True, help="Unix seconds")
    parser.add_argument("--end", type=float, required=True, help="Unix seconds")
    parser.add_argument("--step", default="2s")
    parser.add_argument("--rate-interval", default="4s", help="what $__rate_interval becomes (4 x the scrape interval)")
    parser.add_argument("--caption", default="")
    parser.add_argument("--out", required=True, help="the HTML file to write")
    parser.add_argument("--summary", help="a JSON file: per panel and query, each series' max and median over the range")
    args = parser.parse_args()

    dashboard = json.load(open(args.dashboard, encoding="utf-8"))
    step_seconds = float(args.step.rstrip("s"))
    cells, summary = [], []
    height_px = 0
    for panel in dashboard["panels"]:
        g = panel["gridPos"]
        x, y, w, h = g["x"] * CELL_W, g["y"] * CELL_H, g["w"] * CELL_W, g["h"] * CELL_H
        height_px = max(height_px, y + h)
        if panel["type"] == "row":
            cells.append(f'<div class="row" style="left:{x}px;top:{y}px;width:{w - 8}px">{html.escape(panel["title"])}</div>')
            continue
        series = []
        for target in panel.get("targets", []):
            expr = target["expr"].replace("$instance", ".*").replace("$__rate_interval", args.rate_interval)
            result = query_range(args.prometheus, expr, args.start, args.end, args.step)
            for r in result:
                points = [(float(t), float(v)) for t, v in r["values"] if math.isfinite(float(v))]
                series.append({"name": legend(target.get("legendFormat"), r["metric"], expr), "points": points, "step": step_seconds})
            summary.append({"panel": panel["title"], "expr": expr, "series": [
                {"name": legend(target.get("legendFormat"), r["metric"], expr),
                 "max": max((float(v) for _, v in r["values"] if math.isfinite(float(v))), default=None),
                 "median": median([float(v) for _, v in r["values"] if math.isfinite(float(v))])} for r in result]})
        cells.append(f'<div class="panel" style="left:{x}px;top:{y}px">{panel_svg(panel, series, args.start, args.end, w - 8, h - 8)}</div>')

    caption = html.escape(args.caption)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(dashboard["title"])}</title><style>
body {{ margin:0; background:#111217; color:#ccccdc; font-family: "DejaVu Sans", sans-serif; }}
header {{ padding:10px 14px; font-size:17px; }} header small {{ color:#8e8e8e; font-size:12px; margin-left:12px; }}
#grid {{ position:relative; margin:0 10px; height:{height_px}px; }}
.panel {{ position:absolute; }} .row {{ position:absolute; font-size:14px; font-weight:bold; padding-top:6px; color:#d8d9da; }}
.title {{ fill:#d8d9da; font-size:13px; font-weight:bold; }} .axis {{ fill:#8e8e8e; font-size:10px; }}
.grid {{ stroke:#2c3235; stroke-width:1; }} .legend {{ fill:#ccccdc; font-size:10.5px; }}
.nodata {{ fill:#6e6e6e; font-size:14px; }}
</style></head><body><header>{html.escape(dashboard["title"])}<small>{caption}</small></header><div id="grid">{"".join(cells)}</div></body></html>"""
    open(args.out, "w", encoding="utf-8").write(page)
    if args.summary:
        json.dump(summary, open(args.summary, "w", encoding="utf-8"), indent=1)
    print(f"{args.out}: {sum(1 for p in dashboard['panels'] if p['type'] != 'row')} panels", file=sys.stderr)
    # The page's size, for the browser's window: the grid plus the header and margins.
    print(f"{24 * CELL_W + 20} {height_px + 60}")


if __name__ == "__main__":
    main()
