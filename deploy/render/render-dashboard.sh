#!/usr/bin/env bash
# Renders deploy/grafana-dashboard.json headless, from a real hub under load, without Grafana (Debian has no grafana
# package and no registry here serves one):
#   1. builds and starts an Embedded hub (Release) on free ports in a temporary folder;
#   2. starts Debian's Prometheus scraping the hub's /metrics every second, with deploy/prometheus-alerts.yml loaded;
#   3. loads the hub for LOAD_SECONDS (default 60) with the load tool's scenarios in parallel: roaming-day,
#      authorize-burst (a share answered by a simulated EMSP channel), status-storm, cdr-flood, ocpi-status, plus a
#      few calls with a bad credential (refusals show on the error and auth-failure panels);
#   4. sends every panel's own PromQL to Prometheus' query_range API over the run (render_dashboard.py: $instance is
#      ".*", $__rate_interval is 4 s = 4 x the scrape interval), lays the panels out on the dashboard's grid as SVG;
#   5. screenshots that page with headless Chromium (Debian's `chromium`) into the PNG, and also Prometheus' own graph
#      page for two of the panels' queries (its UI drawing the same data) beside it.
# Usage: deploy/render/render-dashboard.sh [OUT.png]   (default docs/images/dashboard.png; the Prometheus graph goes
# to OUT-prometheus.png). Needs: dotnet, python3, curl, prometheus, chromium (apt-get install prometheus chromium).
# KEEP=1 keeps the temporary folder (hub log, Prometheus data, load reports, the page and a JSON summary of every
# series' last value).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(realpath -m "${1:-$root/docs/images/dashboard.png}")
load_seconds=${LOAD_SECONDS:-60}
for tool in dotnet python3 curl prometheus chromium; do
  command -v "$tool" >/dev/null || { echo "render-dashboard: '$tool' is not installed (apt-get install prometheus chromium)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/clearinghouse-dashboard.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ ${KEEP:-0} == 1 ]]; then echo "render-dashboard: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # url, what
  for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 1; done
  echo "render-dashboard: $2 did not come up ($1)" >&2; exit 1
}

echo "render-dashboard: building the hub (Release) ..." >&2
dotnet build "$root/src/ClearingHouse.Server" -c Release -nologo -v q -clp:ErrorsOnly >&2
grpc=$(free_port) metrics=$(free_port) ocpi=$(free_port) silo=$(free_port) gateway=$(free_port) prom=$(free_port)
mkdir -p "$work/data" "$work/prometheus" "$work/load"
(cd "$work" && exec dotnet "$root/src/ClearingHouse.Server/bin/Release/net10.0/ClearingHouse.Server.dll" \
  --Hub:DataDirectory "$work/data" --Hub:GrpcPort "$grpc" --Hub:MetricsPort "$metrics" --Ocpi:Port "$ocpi" \
  --Silo:SiloPort "$silo" --Silo:GatewayPort "$gateway" --Ocpi:AllowInsecurePartnerUrls true >"$work/hub.log" 2>&1) &
pids+=($!)
wait_for "http://127.0.0.1:$metrics/readyz" "the hub"
hub=http://127.0.0.1:$grpc

cat >"$work/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ["$root/deploy/prometheus-alerts.yml"]
scrape_configs:
  - job_name: clearinghouse
    static_configs: [{ targets: ["127.0.0.1:$metrics"] }]
YAML
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/prometheus" \
  --web.listen-address "127.0.0.1:$prom" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$prom/-/ready" "Prometheus"

echo "render-dashboard: building the load tool and loading the hub for ${load_seconds}s ..." >&2
"$root/scripts/lt" --help >/dev/null # builds it once before the parallel runs
sleep 5 # a few scrapes before the load: the panels start at idle
start=$(date +%s)
lt() { # name, env..., -- scenario args
  local name=$1; shift
  (cd "$work" && env "$@" --hub "$hub" --duration "${load_seconds}s" --warmup 2s --quiet --out "$work/load/$name" \
    >"$work/load/$name.log" 2>&1 || echo "render-dashboard: $name exited $?" >&2) &
  pids+=($!)
}
lt roaming-day "$root/scripts/lt" roaming-day --rate 40
lt authorize-burst AUTHORIZE_TOKENS=2000 AUTHORIZE_MSP_SHARE=0.3 "$root/scripts/lt" authorize-burst --rate 80
lt status-storm STATUS_STORM_LOCATIONS=200 "$root/scripts/lt" status-storm --batch 10 --rate 40 --connections 2
lt cdr-flood "$root/scripts/lt" cdr-flood --rate 2
lt ocpi-status OCPI_STATUS_LOCATIONS=50 "$root/scripts/lt" ocpi-status --rate 20 --connections 2
for _ in $(seq 1 10); do
  curl -s -o /dev/null -X POST -H 'content-type: application/grpc' -H 'authorization: Bearer not-a-credential' \
    --http2-prior-knowledge "$hub/clearinghouse.v1.IdentityService/WhoAmI" --data-binary @/dev/null || true
  sleep $(( load_seconds / 10 ))
done
wait "${pids[@]:2}" 2>/dev/null || true
pids=("${pids[@]:0:2}")
sleep 5 # the last scrapes
end=$(date +%s)

caption="rendered $(date -u +%Y-%m-%dT%H:%MZ) by deploy/render from Prometheus $(prometheus --version 2>&1 | awk 'NR==1{print $3}') scraping one Embedded hub every 1 s under ${load_seconds} s of load-tool traffic; \$instance=.*, \$__rate_interval=4s; not Grafana"
read -r width height < <(python3 "$root/deploy/render/render_dashboard.py" --dashboard "$root/deploy/grafana-dashboard.json" \
  --prometheus "http://127.0.0.1:$prom" --start "$start" --end "$end" --step 2s --rate-interval 4s \
  --caption "$caption" --out "$work/dashboard.html" --summary "$work/summary.json")
mkdir -p "$(dirname "$out")"
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1)
"${chrome[@]}" --window-size="$width,$height" --screenshot="$out" "file://$work/dashboard.html" >"$work/chromium.log" 2>&1
# Prometheus' own graph page, two panels' queries, over the same range (its UI draws them with its own code).
q1='histogram_quantile(0.99, sum by (le, source) (rate(clearinghouse_tokens_authorization_duration_seconds_bucket[4s])))'
q2='histogram_quantile(0.99, sum by (le) (rate(clearinghouse_status_delivery_delay_seconds_bucket[4s])))'
# The graph page takes its end time to the minute: the next whole minute, and a range that reaches back to the start.
until_epoch=$(( (end / 60 + 1) * 60 ))
range="$(( until_epoch - start + 10 ))s"
until_time=$(date -u -d "@$until_epoch" '+%Y-%m-%d %H:%M')
graph="http://127.0.0.1:$prom/graph?$(python3 -c 'import sys, urllib.parse as u
q = {}
for i, e in enumerate(sys.argv[3:]):
    q.update({f"g{i}.expr": e, f"g{i}.tab": "0", f"g{i}.range_input": sys.argv[1], f"g{i}.end_input": sys.argv[2], f"g{i}.show_exemplars": "0"})
print(u.urlencode(q))' "$range" "$until_time" "$q1" "$q2")"
"${chrome[@]}" --window-size=1400,1500 --virtual-time-budget=20000 --screenshot="${out%.png}-prometheus.png" "$graph" >>"$work/chromium.log" 2>&1
echo "render-dashboard: wrote $out and ${out%.png}-prometheus.png ($(date -u -d "@$start" +%H:%M:%S)-$(date -u -d "@$end" +%H:%M:%S) UTC)" >&2
grep -h "open run (" "$work"/load/*.log >&2 || true
