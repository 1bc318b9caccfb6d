#!/usr/bin/env bash
# The issue-6 page target, measured: with 10M CDRs stored in PostgreSQL (the Cluster profile's store), one page
# of 1,000 CDRs for one (CPO, EMSP, day) in <= 50 ms.
#
#   eval "$(scripts/services.sh start)"
#   scripts/bench-cdr-page.sh                    # generate (once; skipped when the database already holds them) + measure
#   CDRS=1000000 DAYS=10 scripts/bench-cdr-page.sh   # smaller
#   REGENERATE=1 scripts/bench-cdr-page.sh       # drop the database and generate again
#
# Data is generated inside PostgreSQL (INSERT ... SELECT generate_series), not through the API: $DAYS day
# partitions, 20 CPOs x 10 EMSPs (NL-C00..C19 / DE-E00..E09), CDRs spread evenly over each day, a 0.4 KB OCPI
# JSON and a hub breakdown per row, and the matching cdr_keys rows. The DDL below is PostgresCdrStore's schema
# (src/ClearingHouse.Storage.Postgres/Cdrs/PostgresCdrStore.cs, keep them in step); the measured query is the one
# PostgresCdrStore.ListAsync sends for ListCdrs(cpo, emsp, from = day, to = day + 1, page_size = 1000), i.e.
# LIMIT 1001. Each sample is a different (CPO, EMSP, day); timings are psql's client-side \timing of the whole
# query with all 1,001 rows sent to the client (first run of each sample: not pre-warmed), plus the server's
# EXPLAIN ANALYZE execution time and the plan of one sample; last, 50 pages through the real store code
# (benchmarks/ClearingHouse.CdrPageBench: PostgresCdrStore.ListAsync, Npgsql, rows materialized), the figure
# that matters for ListCdrs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HOST=${CH_PG_HOST:-127.0.0.1}; PORT=${CH_PG_PORT:-5439}; DB=${DB:-cdr_page_bench}
CDRS=${CDRS:-10000000}; DAYS=${DAYS:-30}; SAMPLES=${SAMPLES:-20}
psql_db() { psql -h "$HOST" -p "$PORT" -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin() { psql -h "$HOST" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

if [ "${REGENERATE:-0}" = 1 ]; then psql_admin -c "DROP DATABASE IF EXISTS $DB"; fi
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then psql_admin -c "CREATE DATABASE $DB"; fi

stored=0
if [ "$(psql_db -c "SELECT to_regclass('cdr_keys') IS NOT NULL")" = t ]; then stored=$(psql_db -c "SELECT count(*) FROM cdr_keys"); fi
if [ "$stored" -lt "$CDRS" ]; then
  echo "generating $CDRS CDRs over $DAYS days in database $DB ..."
  started=$(date +%s)
  psql_db <<'SQL'
CREATE TABLE IF NOT EXISTS cdr_keys (
    cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, end_time timestamptz NOT NULL,
    PRIMARY KEY (cpo_country, cpo_party, cdr_id));
CREATE SEQUENCE IF NOT EXISTS cdr_feed_seq;
ALTER TABLE cdr_keys
    ADD COLUMN IF NOT EXISTS emsp_country text NULL,
    ADD COLUMN IF NOT EXISTS emsp_party text NULL,
    ADD COLUMN IF NOT EXISTS feed_xid bigint NULL DEFAULT (pg_current_xact_id()::text::bigint),
    ADD COLUMN IF NOT EXISTS feed_seq bigint NULL DEFAULT nextval('cdr_feed_seq');
CREATE INDEX IF NOT EXISTS cdr_keys_feed ON cdr_keys (emsp_country, emsp_party, feed_xid, feed_seq);
CREATE TABLE IF NOT EXISTS cdrs (
    cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, emsp_country text NOT NULL,
    emsp_party text NOT NULL, start_time timestamptz NOT NULL, end_time timestamptz NOT NULL, currency text NOT NULL,
    total_excl numeric NOT NULL, total_incl numeric NULL, credit boolean NOT NULL, credit_reference_id text NULL,
    tariff_id text NULL, price_check smallint NOT NULL, hub_price text NULL, received_at timestamptz NOT NULL,
    ocpi_json text NOT NULL
) PARTITION BY RANGE (end_time);
CREATE INDEX IF NOT EXISTS cdrs_by_cpo ON cdrs (cpo_country, cpo_party, end_time, cdr_id);
CREATE INDEX IF NOT EXISTS cdrs_by_emsp ON cdrs (emsp_country, emsp_party, end_time, cpo_country, cpo_party, cdr_id);
CREATE INDEX IF NOT EXISTS cdrs_by_cpo_emsp ON cdrs (cpo_country, cpo_party, emsp_country, emsp_party, end_time, cdr_id);
SQL
  per_day=$(( (CDRS + DAYS - 1) / DAYS ))
  for d in $(seq 0 $((DAYS - 1))); do
    day=$(date -u -d "2026-01-01 + $d days" +%Y-%m-%d); next=$(date -u -d "2026-01-01 + $((d + 1)) days" +%Y-%m-%d)
    n=$(( d == DAYS - 1 ? CDRS - per_day * (DAYS - 1) : per_day ))
    psql_db <<SQL
CREATE TABLE IF NOT EXISTS cdrs_${day//-/} PARTITION OF cdrs FOR VALUES FROM ('${day}T00:00:00Z') TO ('${next}T00:00:00Z');
BEGIN;
INSERT INTO cdrs
SELECT 'NL', 'C' || lpad((i % 20)::text, 2, '0'), 'CDR-${day//-/}-' || i, 'DE', 'E' || lpad(((i / 20) % 10)::text, 2, '0'),
       t - interval '1 hour', t, 'EUR', 4.70, 5.687, false, NULL, 'FLOOD', 1,
       '{"currency":"EUR","energy":{"volume":12,"billed_volume":12,"cost":{"excl_vat":3.00,"incl_vat":3.63}},"total":{"excl_vat":4.70,"incl_vat":5.687}}',
       t + interval '1 minute',
       '{"country_code":"NL","party_id":"C' || lpad((i % 20)::text, 2, '0') || '","id":"CDR-${day//-/}-' || i || '","start_date_time":"' || to_char(t - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '","end_date_time":"' || to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '","cdr_token":{"country_code":"DE","party_id":"E00","uid":"TOKEN-1","type":"RFID"},"currency":"EUR","tariffs":[{"id":"FLOOD","currency":"EUR","elements":[]}],"charging_periods":[{"start_date_time":"x","dimensions":[{"type":"ENERGY","volume":12}]}],"total_cost":{"excl_vat":4.7,"incl_vat":5.687},"total_energy":12,"total_time":1}'
FROM (SELECT i, timestamptz '${day}T00:00:00Z' + (i * (86400.0 / $n)) * interval '1 second' AS t FROM generate_series(0, $n - 1) AS i) s;
INSERT INTO cdr_keys (cpo_country, cpo_party, cdr_id, end_time, emsp_country, emsp_party)
SELECT cpo_country, cpo_party, cdr_id, end_time, emsp_country, emsp_party FROM cdrs_${day//-/};
COMMIT;
SQL
    echo "  day $day: $n CDRs ($(( $(date +%s) - started )) s so far)"
  done
  psql_db -c "VACUUM ANALYZE cdrs" -c "VACUUM ANALYZE cdr_keys"
  echo "generated in $(( $(date +%s) - started )) s"
fi

# The (CPO, EMSP) index of PostgresCdrStore's schema, also on a database generated before it existed (~25 s for 10M rows).
psql_db -c "CREATE INDEX IF NOT EXISTS cdrs_by_cpo_emsp ON cdrs (cpo_country, cpo_party, emsp_country, emsp_party, end_time, cdr_id)"
echo "stored: $(psql_db -c "SELECT count(*) FROM cdr_keys") CDRs in $(psql_db -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'cdrs'::regclass") partitions, $(psql_db -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
query() { # cpo emsp day -> the SQL PostgresCdrStore.ListAsync sends (parameters inlined)
  echo "SELECT cpo_country, cpo_party, cdr_id, emsp_country, emsp_party, start_time, end_time, currency, total_excl, total_incl, credit, credit_reference_id, tariff_id, price_check, hub_price, received_at, ocpi_json FROM cdrs WHERE true AND cpo_country = 'NL' AND cpo_party = '$1' AND emsp_country = 'DE' AND emsp_party = '$2' AND end_time >= '$3T00:00:00Z' AND end_time < '$3T00:00:00Z'::timestamptz + interval '1 day' ORDER BY end_time, cpo_country, cpo_party, cdr_id LIMIT 1001"
}
days=$(psql_db -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'cdrs'::regclass")
client=(); server=()
for s in $(seq 1 "$SAMPLES"); do
  cpo=C$(printf %02d $(( RANDOM % 20 ))); emsp=E$(printf %02d $(( RANDOM % 10 ))); day=$(date -u -d "2026-01-01 + $(( RANDOM % days )) days" +%Y-%m-%d)
  out=$(psql -h "$HOST" -p "$PORT" -U postgres -d "$DB" -qAt -c '\timing on' -c "$(query $cpo $emsp $day)" | tail -n 1)
  rows=$(psql_db -c "SELECT count(*) FROM ($(query $cpo $emsp $day)) q")
  ms=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
  ex=$(psql_db -c "EXPLAIN (ANALYZE, FORMAT JSON) $(query $cpo $emsp $day)" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['Execution Time'])")
  client+=("$ms"); server+=("$ex")
  printf '  sample %2d: %s/%s %s  %s rows  client %s ms  server %s ms\n' "$s" "$cpo" "$emsp" "$day" "$rows" "$ms" "$ex"
done
python3 - "${client[*]}" "${server[*]}" <<'PY'
import statistics, sys
c = [float(x) for x in sys.argv[1].split()]; s = [float(x) for x in sys.argv[2].split()]
print(f"page of 1,000 (LIMIT 1001) for one (CPO, EMSP, day): client median {statistics.median(c):.1f} ms, max {max(c):.1f} ms; "
      f"server execution median {statistics.median(s):.1f} ms, max {max(s):.1f} ms; target <= 50 ms: {'MET' if max(c) <= 50 else 'NOT MET (max)' if statistics.median(c) <= 50 else 'NOT MET'}")
PY
echo "plan of the last sample:"
trap 'echo "through PostgresCdrStore.ListAsync (Npgsql, rows materialized as StoredCdr):"; dotnet run -c Release --project benchmarks/ClearingHouse.CdrPageBench -- "Host=$HOST;Port=$PORT;Username=postgres;Database=$DB" 50 "$days" | tail -n 1' EXIT
psql_db -c "EXPLAIN (ANALYZE, BUFFERS) $(query $cpo $emsp $day)" | sed 's/^/  /' | head -20
