# sophie's everyday commands. `just` lists them.

set dotenv-load := true

# The local server the db recipes talk to (trust auth, as a development machine has it).
psql := "psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1"
dev_db := "sophie"

# List the recipes.
default:
    @just --list

# Run sophie (in memory unless DATABASE_URL is set).
run *args:
    cargo run -- {{args}}

# Run background jobs only, beside `serve` with EMBEDDED_WORKER=false (needs DATABASE_URL).
worker:
    cargo run -- worker

# Run every test: unit, in-memory, PostgreSQL and end-to-end (needs PostgreSQL: `just db-up`).
test *args:
    cargo test --workspace --all-features {{args}}

# Clippy with warnings as errors, and the dependency rules.
lint:
    cargo clippy --workspace --all-targets --all-features -- -D warnings
    bash scripts/check-domain-deps.sh
    bash scripts/check-adapter-deps.sh

# The contract run: schemathesis (every check, stateful, fixed seed) against sophie on memory
# and on PostgreSQL, then a generated Python client's journey (`scripts/contract/`).
contract *storages="memory postgres": db-up
    CONTRACT_STORAGES="{{storages}}" bash scripts/contract/run.sh

# Sign-in against an independent OpenID Connect provider (oauth2-mock-server from npm, on
# 127.0.0.1), once with RS256 keys and once with ES256 (`scripts/oidc/interop.sh`).
oidc-interop:
    bash scripts/oidc/interop.sh

# Format the code.
# The round trip through Anki itself (`scripts/anki/check.sh`): a set exported by sophie,
# imported and exported again by Anki's own code, imported back into sophie unchanged.
anki-roundtrip: db-up
    bash scripts/anki/check.sh

# Imports a 10,000-note package written by Anki (memory and PostgreSQL), and exports a set.
bench-anki: db-up
    python3 -m venv target/anki-venv && target/anki-venv/bin/pip install --quiet -r scripts/anki/requirements.txt
    target/anki-venv/bin/python scripts/anki/bench_package.py target/anki-bench-10000.apkg
    cargo bench --bench anki

# A year of a 30-event weekly timetable expanded into occurrences, on memory and PostgreSQL.
bench-calendar: db-up
    cargo bench --bench calendar

# Regenerates the Anki package fixtures (tests/fixtures/anki/) with Anki and genanki.
anki-fixtures:
    python3 -m venv target/anki-venv && target/anki-venv/bin/pip install --quiet -r scripts/anki/requirements.txt
    target/anki-venv/bin/python scripts/anki/fixtures.py

fmt:
    cargo fmt --all

# Check formatting without changing anything.
fmt-check:
    cargo fmt --all --check

# What CI runs.
ci:
    bash .ci/run

# Start (or install) the local PostgreSQL server.
db-up:
    bash scripts/ensure-postgres.sh

# Create the development database `sophie` and apply every migration with plain psql.
db-create: db-up
    {{psql}} -d postgres -c 'CREATE DATABASE {{dev_db}}'
    for f in migrations/*/up.sql; do {{psql}} -d {{dev_db}} -q -f "$f"; done

# Drop the development database.
db-drop:
    {{psql}} -d postgres -c 'DROP DATABASE IF EXISTS {{dev_db}} WITH (FORCE)'

# Drop and recreate the development database.
db-reset: db-drop db-create

# Apply every up.sql, then every down.sql in reverse, on a scratch database, with plain psql.
db-check: db-up
    #!/usr/bin/env bash
    set -euo pipefail
    db="sophie_check_$$"
    {{psql}} -d postgres -qc "CREATE DATABASE $db"
    trap '{{psql}} -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
    for f in migrations/*/up.sql; do echo "up   $f"; {{psql}} -d "$db" -q -f "$f"; done
    for f in $(ls -r migrations/*/down.sql); do echo "down $f"; {{psql}} -d "$db" -q -f "$f"; done
    left=$({{psql}} -d "$db" -Atc "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
    [ "$left" = 0 ] && echo "all migrations apply and revert cleanly" || { echo "$left relations left after the downs"; exit 1; }

# Benchmark the PostgreSQL adapter (a set of 50 cards written and read back) beside pgbench.
bench-db: db-up
    bash scripts/bench-db.sh

# Benchmark the job queue: 50,000 no-op jobs through 2 worker processes, beside pgbench on the
# same SQL (BENCH_JOBS, BENCH_WORKERS, WORKER_CONCURRENCY).
bench-queue: db-up
    bash scripts/bench-queue.sh

# How soon an idle worker starts a job after its enqueue (no polling: LISTEN/NOTIFY on
# PostgreSQL, a signal on memory): p50, p95 and max over 200 jobs (BENCH_JOBS).
bench-wake: db-up
    bash scripts/bench-wake.sh

# Hybrid search on 100,000 passages of one student among 100 students: p50/p95 through the
# PostgreSQL adapter and over HTTP (release), and the recall@10 of its vector part.
bench-search: db-up
    bash scripts/bench-search.sh

# Load-test the API (release, on PostgreSQL) with wrk, beside pgbench on the same SQL.
bench-api: db-up
    bash scripts/bench-api.sh

# The fault test, long: a private PostgreSQL cluster restarted and crashed three times and a
# server killed under eight writing students for 75 s, then every acknowledged write checked.
chaos seconds="75" crashes="3":
    CHAOS_SECONDS={{seconds}} CHAOS_CRASHES={{crashes}} cargo test --all-features --test chaos -- --nocapture

# Stop the release server with SIGTERM under 16 connecting clients, three times, and count
# how each connection ended (answered, turned away with 503, refused, or reset).
stop-under-load:
    cargo build --release
    python3 scripts/stop-under-load.py target/release/sophie

# A 100-page PDF from upload to READY (release, in memory; pass a DATABASE_URL for
# PostgreSQL), beside pdftotext on the same file.
bench-ingest *database_url:
    cargo build --release
    python3 scripts/bench-ingest.py target/release/sophie {{database_url}}

# The generators over the study corpus (tests/fixtures/corpus): items made, grounded,
# duplicated and malformed, and chat answers whose references hold. Offline always; with
# LLM_URL and LLM_MODEL set, the model-backed generator too.
eval:
    cargo run --release -p sophie-ai --example eval

# A student's session against a running `cargo run`: upload a PDF, generate a set, a quiz and
# a guide, summarize, ask in chat (curl).
demo-generation:
    bash scripts/demo-generation.sh

# Offline generation from a 20-page document (20 cards, a 10-question quiz, a guide) and chat
# answer latency, p50/p95, in memory.
bench-generate:
    cargo bench --bench generate

# Spaced repetition on PostgreSQL: cards due, a review applied, statistics, with 10,000 cards.
bench-reviews: db-up
    cargo bench --bench reviews

# EXPLAIN ANALYZE of the notes and flashcard-set list queries on 100,000 rows.
explain: db-up
    bash scripts/explain-lists.sh

# Regenerate crates/persistence/src/schema.rs from the migrations.
schema: db-up
    #!/usr/bin/env bash
    set -euo pipefail
    db="sophie_schema_$$"
    {{psql}} -d postgres -qc "CREATE DATABASE $db"
    trap '{{psql}} -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" diesel migration run
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" diesel print-schema > crates/persistence/src/schema.rs

# Check that schema.rs matches the migrations.
schema-check: db-up
    bash scripts/check-schema.sh
