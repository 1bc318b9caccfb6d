#!/usr/bin/env bash
# The README's test command: starts real Redis and PostgreSQL on 127.0.0.1 (scripts/services.sh),
# builds the solution, runs every test project, and ends with one plain line summed over all of
# them from their TRX results:  N passed, N failed, N skipped
# Exits non-zero when anything failed or was skipped, or when a test project produced no results.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Stop the services at the end only if this run started them (others may be using them).
already_running=0
redis-cli -h 127.0.0.1 -p "${CH_REDIS_PORT:-6390}" ping >/dev/null 2>&1 && already_running=1
stop_services() { [ "$already_running" = 1 ] || scripts/services.sh stop; }
eval "$(scripts/services.sh start)" || { echo "could not start Redis/PostgreSQL"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
trap stop_services EXIT

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build ClearingHouse.sln -c Debug -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

projects=$(ls tests/*/*.Tests.csproj)
status=0
for project in $projects; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" --no-build -c Debug -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || status=1
done

passed=0; failed=0; skipped=0
for project in $projects; do
  name=$(basename "$project" .csproj)
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "no results from $name (did its test host crash?)"
    failed=$((failed + 1))
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted); n=$(get notExecuted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${n:-0} + ${total:-0} - ${p:-0} - ${f:-0} - ${e:-0} - ${t:-0} - ${a:-0} - ${n:-0}))
done

[ "$failed" -gt 0 ] && status=1
[ "$skipped" -gt 0 ] && { echo "skipped tests are failures here: every backend test must run"; status=1; }
[ "$passed" -eq 0 ] && status=1
stop_services
trap - EXIT
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
