#!/usr/bin/env bash
# The queue benchmark: BENCH_JOBS no-op jobs run by BENCH_WORKERS worker processes
# (examples/queue_bench.rs: sophie's worker runtime on its PostgreSQL queue, release build,
# WORKER_CONCURRENCY slots each), then the same jobs claimed and completed by pgbench running
# the same SQL, on the same server in the same run, and the ratio.
#
# pgbench runs twice over fresh jobs:
#   - batched: the statements the worker sends, a claim of up to WORKER_CONCURRENCY jobs and
#     the completion of those jobs, one client per worker process;
#   - one by one: the single-job claim and completion of PostgresJobQueue::claim/complete,
#     one client per worker slot (BENCH_WORKERS x WORKER_CONCURRENCY), at most 32 (the
#     server's connections are shared).
#
# Settings: BENCH_JOBS (50000), BENCH_WORKERS (2), WORKER_CONCURRENCY (32), DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server=${base%/*}
db="sophie_bench_queue_$$"
jobs=${BENCH_JOBS:-50000}
workers=${BENCH_WORKERS:-2}
concurrency=${WORKER_CONCURRENCY:-32}
slots=$(( workers * concurrency ))
clients=$(( slots < 32 ? slots : 32 ))
url="$server/$db"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -f "${script_batch:-}" "${script_single:-}"
}
psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap cleanup EXIT

target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin sophie --example queue_bench
DATABASE_URL="$url" "$target"/release/sophie migrate >/dev/null
sql() { psql "$url" -v ON_ERROR_STOP=1 -Atqc "$1"; }

# Fresh jobs, as enqueue writes them (distinct run_at, all due), and fresh statistics.
fill() {
  sql "TRUNCATE background_jobs"
  sql "INSERT INTO background_jobs (kind, payload, run_at, created_at, updated_at)
       SELECT 'bench.noop', '{}', now() - interval '1 hour' + g * interval '1 microsecond', now(), now()
       FROM generate_series(1, $jobs) AS g"
  sql "VACUUM ANALYZE background_jobs"
}
now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.0f", n / (e - s) }'; }

echo "== sophie's worker: $workers processes x $concurrency slots, $jobs no-op jobs (release build)"
fill
start=$(now)
for _ in $(seq 1 "$workers"); do
  DATABASE_URL="$url" WORKER_CONCURRENCY="$concurrency" "$target"/release/examples/queue_bench \
    > "/tmp/bench-queue-$$-${#pids[@]}.out" &
  pids+=("$!")
done
# Done when no job is pending or running (both answered from the partial indexes).
while [ "$(sql "SELECT EXISTS (SELECT 1 FROM background_jobs WHERE status IN ('PENDING', 'PROCESSING'))")" = t ]; do
  sleep 0.05
done
end=$(now)
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid"; done
pids=()
for i in $(seq 0 $(( workers - 1 ))); do
  echo "   worker $i: $(cat "/tmp/bench-queue-$$-$i.out")"
  rm -f "/tmp/bench-queue-$$-$i.out"
done
completed=$(sql "SELECT count(*) FROM background_jobs WHERE status = 'COMPLETED'")
[ "$completed" = "$jobs" ] || { echo "only $completed of $jobs jobs completed" >&2; exit 1; }
ours=$(rate "$jobs" "$start" "$end")
echo "   $ours jobs/s"

# The worker's statements (crates/persistence/src/queue.rs, claim_batch and complete_batch);
# the claimed ids go from the first to the second through a variable.
columns="id, kind, payload, status, priority, attempts, max_attempts, run_at, locked_by, locked_until, last_error, unique_key, created_at, updated_at"
script_batch=$(mktemp)
cat > "$script_batch" <<SQL
WITH claimed AS (UPDATE background_jobs SET status = 'PROCESSING', locked_by = 'pgbench-' || :client_id, locked_until = now() + interval '60 seconds', attempts = LEAST(attempts, 2147483646) + 1, updated_at = now() WHERE id IN (SELECT id FROM background_jobs WHERE status = 'PENDING' AND run_at <= now() AND kind = ANY('{bench.noop}') ORDER BY priority DESC, run_at, created_at, id LIMIT $concurrency FOR UPDATE SKIP LOCKED) RETURNING $columns) SELECT coalesce(array_agg(id), '{}')::text AS ids FROM claimed \gset
UPDATE background_jobs SET status = 'COMPLETED', locked_by = NULL, locked_until = NULL, updated_at = now() WHERE id = ANY(:ids::uuid[]) AND locked_by = 'pgbench-' || :client_id AND status = 'PROCESSING' RETURNING id;
SQL
script_single=$(mktemp)
cat > "$script_single" <<SQL
UPDATE background_jobs SET status = 'PROCESSING', locked_by = 'pgbench-' || :client_id, locked_until = now() + interval '60 seconds', attempts = LEAST(attempts, 2147483646) + 1, updated_at = now() WHERE id = (SELECT id FROM background_jobs WHERE status = 'PENDING' AND run_at <= now() AND kind = ANY('{bench.noop}') ORDER BY priority DESC, run_at, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING $columns \gset
UPDATE background_jobs SET status = 'COMPLETED', locked_by = NULL, locked_until = NULL, updated_at = now() WHERE id = :id AND locked_by = 'pgbench-' || :client_id AND status = 'PROCESSING';
SQL

# Runs pgbench with $1 clients, $2 transactions each, script $3, over fresh jobs; prints the
# jobs completed per second (jobs completed x transactions per second / transactions).
pgb() {
  fill
  local tps done
  tps=$(pgbench "$url" -n -M prepared -c "$1" -j "$(( $1 < 2 ? $1 : 2 ))" -t "$2" -f "$3" 2>&1 \
    | awk '/^tps/ { print $3 }')
  done=$(sql "SELECT count(*) FROM background_jobs WHERE status = 'COMPLETED'")
  awk -v d="$done" -v t="$tps" -v n="$(( $1 * $2 ))" 'BEGIN { printf "%.0f %d\n", d * t / n, d }'
}

echo "== pgbench, the worker's batched SQL: $workers clients, claims of up to $concurrency"
read -r batched done < <(pgb "$workers" "$(( (jobs + slots - 1) / slots ))" "$script_batch")
echo "   $batched jobs/s ($done jobs completed)"

echo "== pgbench, one job per claim: $clients clients"
read -r single done < <(pgb "$clients" "$(( jobs / clients ))" "$script_single")
echo "   $single jobs/s ($done jobs completed)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "== sophie's worker: $ours jobs/s; $(ratio "$ours" "$batched") x pgbench batched ($batched), $(ratio "$ours" "$single") x pgbench one by one ($single)"
