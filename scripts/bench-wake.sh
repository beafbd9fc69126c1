#!/usr/bin/env bash
# Wake-up latency of an idle worker (examples/wake_bench.rs, release build): the time from
# an enqueue to the start of the job's handler, with a poll interval of 30 s so that only the
# queue's wake-up can start the job in time; on the in-memory queue, then on PostgreSQL
# (LISTEN/NOTIFY) in a scratch database that this script creates and drops.
# Settings: BENCH_JOBS (200), DATABASE_URL (the server: postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="sophie_bench_wake_$$"
cargo build --release --quiet --example wake_bench
bin=${CARGO_TARGET_DIR:-target}/release/examples/wake_bench

psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT

env -u DATABASE_URL "$bin"
DATABASE_URL="${base%/*}/$db" "$bin"
