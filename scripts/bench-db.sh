#!/usr/bin/env bash
# The database benchmark: create a flashcard set of 50 cards and read it back, N times,
# through sophie's PostgreSQL adapter, then through pgbench running the same SQL, on the same
# server in the same run. Settings: BENCH_OPS (2000), BENCH_CLIENTS (4), DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server=${base%/*}
db="sophie_bench_$$"
ops=${BENCH_OPS:-2000}
clients=${BENCH_CLIENTS:-4}

psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
url="$server/$db"

cargo build --release --quiet --bin sophie
DATABASE_URL="$url" ./target/release/sophie migrate
user=$(psql "$url" -v ON_ERROR_STOP=1 -Atqc \
  "INSERT INTO users (id, name, email) VALUES (gen_random_uuid(), 'Bench', 'bench@example.com') RETURNING id")

echo "== sophie's adapter (release build)"
BENCH_DATABASE_URL="$url" BENCH_USER_ID="$user" BENCH_OPS="$ops" BENCH_CLIENTS="$clients" \
  cargo bench --quiet -p sophie-persistence --bench flashcard_set

# The SQL one operation of the adapter sends: a transaction inserting the set and its 50
# cards in two statements, then the set and its cards read back in two queries.
script=$(mktemp)
{
  echo "BEGIN;"
  echo "INSERT INTO flashcard_sets (id, title, description, difficulty, tags, color, user_id, course_id, note_id, document_id, created_at, updated_at) VALUES (gen_random_uuid(), 'Benchmark set', NULL, 'MEDIUM', '{}', 'blue', :user_id, NULL, NULL, NULL, now(), now()) RETURNING id AS set_id \\gset"
  printf "INSERT INTO flashcards (id, question, answer, hint, explanation, difficulty, flashcard_set_id, created_at, updated_at) VALUES "
  for i in $(seq 1 50); do
    sep=","; [ "$i" = 50 ] && sep=""
    printf "(gen_random_uuid(), 'Question %s', 'Answer %s', NULL, NULL, 'MEDIUM', :set_id, now(), now())%s" "$i" "$i" "$sep"
  done
  echo " RETURNING id, question, answer, hint, explanation, difficulty, flashcard_set_id, created_at, updated_at;"
  echo "COMMIT;"
  echo "SELECT id, title, description, difficulty, tags, color, user_id, course_id, note_id, document_id, created_at, updated_at FROM flashcard_sets WHERE id = :set_id AND user_id = :user_id;"
  echo "SELECT id, question, answer, hint, explanation, difficulty, flashcard_set_id, created_at, updated_at FROM flashcards WHERE flashcard_set_id = :set_id ORDER BY created_at, id;"
} > "$script"

echo "== pgbench, the same SQL (prepared statements, $clients clients)"
per_client=$(( ops / clients ))
pgbench "$url" -n -M prepared -c "$clients" -j "$clients" -t "$per_client" -D user_id="$user" -f "$script" \
  | grep -E "^(tps|latency average|number of transactions actually processed)"
rm -f "$script"
