#!/usr/bin/env bash
# Fails when crates/persistence/src/schema.rs differs from what `diesel print-schema` makes of
# the migrations: apply them to a scratch database, print the schema, compare.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v diesel >/dev/null 2>&1; then
  echo "installing diesel_cli (PostgreSQL only)"
  # diesel_cli links libpq (sophie itself does not).
  if ! dpkg -s libpq-dev >/dev/null 2>&1; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libpq-dev
  fi
  cargo install diesel_cli --version "~2.3" --no-default-features --features postgres --locked
fi

base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="sophie_schema_check_$$"
server=${base%/*}
psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT

DATABASE_URL="$server/$db" diesel migration run >/dev/null
generated=$(mktemp)
DATABASE_URL="$server/$db" diesel print-schema > "$generated"
if ! diff -u crates/persistence/src/schema.rs "$generated"; then
  echo "crates/persistence/src/schema.rs drifted from the migrations: run 'just schema' and commit" >&2
  exit 1
fi
echo "schema.rs matches the migrations"
