#!/usr/bin/env bash
# Authorize A/B: the reference server (../shared/perf/baseline: one grain call) and several hub builds or settings,
# each driven by h2load in turn (alternating, same shape), PAIRS rounds; per run: calls/s and the server's CPU per call
# (utime+stime from /proc, which is far less sensitive to a busy machine than calls/s), then open-loop latency
# (h2load --rps) of every server at one offered rate. Medians over rounds are what to quote.
#
#   loadtests/perf/authorize-ab.sh 'main=/path/to/main/src/ClearingHouse.Server/bin/Release/net10.0' \
#                                  'new=src/ClearingHouse.Server/bin/Release/net10.0' \
#                                  'new-nometrics=src/ClearingHouse.Server/bin/Release/net10.0=CH_EXP=nometrics'
# A hub is LABEL=DIR (the folder holding ClearingHouse.Server.dll) with an optional =VAR=VALUE for its environment.
# Env: RUN_S (5), PAIRS (3), LEVEL (8x32), RATE (offered calls/s for latency; default half the slowest hub's median),
#      PERF (the shared perf folder, default ../shared/perf), OUT (raw outputs).
# Run from the project root (needs the CLI's Release build: dotnet build -c Release src/ClearingHouse.Cli).
set -euo pipefail
PERF=${PERF:-$(cd ../shared/perf 2>/dev/null && pwd || echo /work/shared/perf)}
RUN_S=${RUN_S:-5}; PAIRS=${PAIRS:-3}; LEVEL=${LEVEL:-8x32}
OUT=${OUT:-$(mktemp -d -t authz-ab.XXXXXX)}; WORK=${PERF_WORK:-$OUT/work}; mkdir -p "$OUT" "$WORK"
c=${LEVEL%x*}; m=${LEVEL#*x}
CLI=(dotnet "$PWD/src/ClearingHouse.Cli/bin/Release/net10.0/clearinghouse.dll")
command -v h2load > /dev/null || { echo "h2load missing: apt-get install -y nghttp2-client" >&2; exit 2; }
[ "$#" -ge 1 ] || { sed -n 2,13p "$0"; exit 2; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; sleep 2; for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
echo "authorize-ab: raw outputs in $OUT; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

cp -r "$PERF/baseline" "$WORK/" && (cd "$WORK/baseline" && dotnet build -c Release -nologo > "$OUT/baseline-build.log" 2>&1) || { tail "$OUT/baseline-build.log"; exit 1; }
[ -d "$WORK/node/node_modules/protobufjs" ] || (mkdir -p "$WORK/node" && cd "$WORK/node" && npm install --silent --no-audit --no-fund protobufjs@7 > /dev/null 2>&1)
NODE_PATH="$WORK/node/node_modules" PROTOS="$PWD/protos" node "$PERF/bodies.js" "$OUT/bodies" > /dev/null
BL=(dotnet "$WORK/baseline/bin/Release/net10.0/Baseline.dll")
"${BL[@]}" frames "$OUT/frames" > /dev/null
# Free ports, all distinct (one port asked for at a time can come back twice), from a range the kernel does not hand out
# as ephemeral ports on this machine's default (32768-60999), so another process's connection cannot take one meanwhile.
ports=($(python3 -c '
import random, socket
free = []
for p in random.sample(range(20000, 32000), 400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); free.append(p)
    except OSError:
        pass
    finally:
        s.close()
    if len(free) == 64: break
print(*free)'))
np=0   # the next of them: X=${ports[np++]} (as its own assignment: in $(...) or a command run with & it would not advance)
hdr=(-H 'content-type: application/grpc' -H 'te: trailers')
declare -A URL BODY AUTH PID
keys=(ref)
PB=${ports[np++]}; PS=${ports[np++]}; "${BL[@]}" serve --port "$PB" --silo-port "$PS" > "$OUT/ref.log" 2>&1 & pids+=($!); PID[ref]=$!
URL[ref]=http://127.0.0.1:$PB/baseline.v1.Baseline/Authorize; BODY[ref]=$OUT/frames/authorize.bin

i=0
for spec in "$@"; do
  label=${spec%%=*}; rest=${spec#*=}; dir=${rest%%=*}; envset=; [ "$rest" != "$dir" ] && envset=${rest#*=}
  dir=$(cd "$dir" && pwd); port=${ports[np++]}; mport=${ports[np++]}; i=$((i + 1))
  sp=${ports[np++]}; gp=${ports[np++]}; op=${ports[np++]}; cp=${ports[np++]}
  mkdir -p "$OUT/$label"
  (cd "$OUT/$label" && exec env ${envset:+"$envset"} dotnet "$dir/ClearingHouse.Server.dll" --Hub:GrpcPort "$port" --Hub:MetricsPort "$mport" \
     --Silo:SiloPort "$sp" --Silo:GatewayPort "$gp" --Ocpi:Port "$op" --Console:Port "$cp" > "$OUT/$label.log" 2>&1) &
  pids+=($!); PID[$label]=$!; keys+=("$label")
  URL[$label]=http://127.0.0.1:$port/clearinghouse.v1.TokenService/Authorize; BODY[$label]=$OUT/bodies/authorize.bin
  echo "$port" > "$OUT/$label/port"
done
for k in "${keys[@]:1}"; do
  port=$(cat "$OUT/$k/port"); hub=(--hub "http://127.0.0.1:$port")
  for _ in $(seq 240); do
    kill -0 "${PID[$k]}" 2> /dev/null || { echo "authorize-ab: hub $k ended at start:" >&2; tail -3 "$OUT/$k.log" >&2; exit 1; }
    [ -f "$OUT/$k/data/operator.credential" ] && "${CLI[@]}" "${hub[@]}" --credential-file "$OUT/$k/data/operator.credential" health > /dev/null 2>&1 && break; sleep 0.5
  done
  OPC=("${hub[@]}" --credential-file "$OUT/$k/data/operator.credential")
  "${CLI[@]}" "${OPC[@]}" parties register NL-PRF-CPO --name "Perf CPO" > /dev/null
  "${CLI[@]}" "${OPC[@]}" parties register DE-PRF-EMSP --name "Perf EMSP" > /dev/null
  secret() { "${CLI[@]}" "${OPC[@]}" credentials issue "$1" --json | sed -n 's/.*"secret": "\([^"]*\)".*/\1/p'; }
  CPO=$(secret NL-PRF-CPO); EMSP=$(secret DE-PRF-EMSP)
  "${CLI[@]}" "${OPC[@]}" agreements set --cpo NL-PRF-CPO --emsp DE-PRF-EMSP > /dev/null
  "${CLI[@]}" "${hub[@]}" --credential "$EMSP" tokens put --uid PRF0000001 --type RFID --contract-id DE-PRF-C00000001-1 --issuer Perf --whitelist ALWAYS > /dev/null
  "${CLI[@]}" "${hub[@]}" --credential "$CPO" authorize --uid PRF0000001 --type RFID > "$OUT/$k/authorize-check.txt"
  AUTH[$k]=$CPO
done

h2() { local k=$1; shift; h2load "$@" -d "${BODY[$k]}" "${hdr[@]}" ${AUTH[$k]:+-H "authorization: Bearer ${AUTH[$k]}"} "${URL[$k]}"; }
cpu() { awk '{ print $14 + $15 }' "/proc/${PID[$1]}/stat"; }   # clock ticks (1/100 s)
# Context switches of all the server's threads (voluntary: a thread parked; involuntary: preempted).
csw() { cat /proc/"${PID[$1]}"/task/*/status 2> /dev/null | awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }'; }
for k in "${keys[@]}"; do h2 "$k" -c 4 -m 16 -D 3 > /dev/null; done   # warm-up: JIT tiers, activations
echo "== max rate, h2load -c $c -m $m, ${RUN_S} s per run, $PAIRS rounds; us/call = server CPU per call"
printf '%-16s %-5s %9s %9s %8s %8s %7s\n' key round calls/s ok us/call csw/call load1
: > "$OUT/max.tsv"
for r in $(seq "$PAIRS"); do
  for k in "${keys[@]}"; do
    t0=$(cpu "$k"); s0=$(csw "$k"); h2 "$k" -c "$c" -m "$m" -D "$RUN_S" > "$OUT/max-$k-$r.txt" 2>&1; t1=$(cpu "$k"); s1=$(csw "$k")
    rate=$(awk '/^finished in/ { print $4 }' "$OUT/max-$k-$r.txt"); ok=$(awk '/^status codes:/ { print $3 }' "$OUT/max-$k-$r.txt")
    us=$(awk -v t=$((t1 - t0)) -v n="$ok" 'BEGIN { printf "%.1f", (n > 0 ? t * 10000 / n : 0) }')
    cs=$(awk -v t=$((s1 - s0)) -v n="$ok" 'BEGIN { printf "%.2f", (n > 0 ? t / n : 0) }')
    printf '%-16s %-5s %9.0f %9s %8s %8s %7s\n' "$k" "$r" "$rate" "$ok" "$us" "$cs" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/max.tsv"
  done
done
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }   # (mawk has no asort)
med() { awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$OUT/max.tsv" | median; }
echo "== medians: calls/s, ratio to ref, us/call, csw/call"
R=$(med ref 3); slow=$R
for k in "${keys[@]}"; do
  x=$(med "$k" 3); [ "$(awk -v a="$x" -v b="$slow" 'BEGIN { print (a < b) }')" = 1 ] && slow=$x
  printf '%-16s %9.0f %6.2f %8s %8s\n' "$k" "$x" "$(awk -v a="$x" -v b="$R" 'BEGIN { print a / b }')" "$(med "$k" 5)" "$(med "$k" 6)"
done
RATE=${RATE:-$(awk -v s="$slow" 'BEGIN { printf "%d", s / 2 / 4 * 4 }')}
lat() { # KEY RATE -> p50 p99 p99.9 (ms) achieved/s
  local k=$1 r=$2 n=$(( $2 * (RUN_S + 1) )); : > "$OUT/lat-$k-$3.log"
  h2 "$k" -c 4 -m 64 --rps $((r / 4)) -n "$n" --log-file "$OUT/lat-$k-$3.log" > "$OUT/lat-$k-$3.txt" 2>&1
  local ach; ach=$(awk '/^finished in/ { print $4 }' "$OUT/lat-$k-$3.txt")
  cut -f3 "$OUT/lat-$k-$3.log" | sort -n | awk -v a="$ach" '{ v[NR] = $1 } END { printf "%.2f %.2f %.2f %.0f", v[int(NR*.5)]/1000, v[int(NR*.99)]/1000, v[int(NR*.999)]/1000, a }'
}
echo "== latency at $RATE/s offered (h2load --rps, open loop, -c 4 -m 64, $((RUN_S + 1)) s): p50 p99 p99.9 ms, achieved/s"
: > "$OUT/lat.tsv"
for r in $(seq "$PAIRS"); do
  for k in "${keys[@]}"; do printf '%-16s %-5s %s %s\n' "$k" "$r" "$(lat "$k" "$RATE" "$r")" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/lat.tsv"; done
done
lmed() { awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$OUT/lat.tsv" | median; }
echo "== latency medians: p50 p99 p99.9 (ms)"
for k in "${keys[@]}"; do printf '%-16s %6s %6s %6s\n' "$k" "$(lmed "$k" 3)" "$(lmed "$k" 4)" "$(lmed "$k" 5)"; done
echo "authorize-ab: done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
