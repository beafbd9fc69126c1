#!/usr/bin/env bash
# The API load benchmark: `sophie serve` (release) on PostgreSQL, wrk for a fixed time against
# GET /api/v1/flashcard-sets/{id} (a set of 50 cards, authenticated) and POST /api/v1/notes;
# then pgbench running the SQL one such request runs, on the same machine in the same run.
# Settings: BENCH_SECONDS (10), BENCH_CONNECTIONS (16), DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server_url=${base%/*}
db="sophie_bench_api_$$"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --quiet --bin sophie

psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
url="$server_url/$db"
out=$(mktemp)
DATABASE_URL="$url" DATABASE_MAX_CONNECTIONS="$connections" PORT=0 LOG_LEVEL=warn \
  ./target/release/sophie serve > "$out" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -f "$out" /tmp/sophie-bench-*.{lua,sql}
}
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$out" && break; sleep 0.1; done
api=$(sed -n 's/^sophie listening on //p' "$out" | head -n 1)

token=$(curl -sf -X POST "$api/api/v1/auth/sign-up" -H 'Content-Type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com","password":"benchmark password"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cards=$(python3 -c 'import json; print(json.dumps([{"question": f"Question {i}", "answer": f"Answer {i}"} for i in range(1, 51)]))')
set_id=$(curl -sf -X POST "$api/api/v1/flashcard-sets" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" \
  -d "{\"title\":\"Benchmark set\",\"difficulty\":\"MEDIUM\",\"flashcards\":$cards}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

cat > /tmp/sophie-bench-post.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"title":"Benchmark note","content":"Written under load.","tags":["bench"]}'
LUA

summary() { # wrk output -> "N req/s, p50 X, p99 Y"
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$4}
       END {printf "%s req/s, p50 %s, p99 %s%s\n", rps, p50, p99, (bad ? ", NON-2XX: " bad : "")}'
}

# A short run first, so connections are open and statements prepared when measuring starts.
wrk -t2 -c"$connections" -d2s -H "Authorization: Bearer $token" "$api/api/v1/flashcard-sets/$set_id" >/dev/null
wrk -t2 -c"$connections" -d2s -s /tmp/sophie-bench-post.lua "$api/api/v1/notes" >/dev/null

echo "== sophie (release) on PostgreSQL, wrk: $connections connections, 2 threads, ${seconds}s each"
api_get=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
  "$api/api/v1/flashcard-sets/$set_id" | summary)
echo "GET  /api/v1/flashcard-sets/{id} (50 cards): $api_get"
api_post=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s /tmp/sophie-bench-post.lua \
  "$api/api/v1/notes" | summary)
echo "POST /api/v1/notes:                         $api_post"

# The SQL one request runs: the session looked up by the token's hash, then the set and its
# cards (GET) or the note inserted (POST). Same server, same database, same concurrency.
hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
user_id=$(psql "$url" -Atc "SELECT user_id FROM sessions WHERE token = '$hash'")
cat > /tmp/sophie-bench-get.sql <<SQL
SELECT id, user_id, token, expires_at, ip_address, user_agent, created_at, updated_at FROM sessions WHERE token = :hash;
SELECT id, title, description, difficulty, tags, color, user_id, course_id, note_id, document_id, created_at, updated_at FROM flashcard_sets WHERE id = :set_id AND user_id = :user_id;
SELECT id, question, answer, hint, explanation, difficulty, flashcard_set_id, created_at, updated_at FROM flashcards WHERE flashcard_set_id = :set_id ORDER BY created_at, id;
SQL
cat > /tmp/sophie-bench-post.sql <<SQL
SELECT id, user_id, token, expires_at, ip_address, user_agent, created_at, updated_at FROM sessions WHERE token = :hash;
INSERT INTO notes (id, title, content, transcription, summary, source, source_url, duration_seconds, tags, course_id, user_id, created_at, updated_at) VALUES (gen_random_uuid(), 'Benchmark note', 'Written under load.', NULL, NULL, 'MANUAL', NULL, NULL, '{bench}', NULL, :user_id, now(), now()) RETURNING id, title, content, transcription, summary, source, source_url, duration_seconds, tags, course_id, user_id, created_at, updated_at;
SQL
pgb() {
  pgbench "$url" -n -M prepared -c "$connections" -j 2 -T "$seconds" \
    -D hash="$hash" -D set_id="$set_id" -D user_id="$user_id" -f "$1" \
    | awk '/^tps/ {tps=$3} /latency average/ {lat=$4} END {printf "%.0f tps, latency average %s ms\n", tps, lat}'
}
echo "== pgbench, the SQL of one request: $connections clients, ${seconds}s each"
pg_get=$(pgb /tmp/sophie-bench-get.sql)
echo "GET  set with 50 cards (3 statements):        $pg_get"
pg_post=$(pgb /tmp/sophie-bench-post.sql)
echo "POST note (2 statements):                    $pg_post"

share() { awk -v api="${1%% *}" -v pg="${2%% *}" 'BEGIN {printf "%.0f%%", 100 * api / pg}'; }
echo "== sophie's rate as a share of pgbench's: GET $(share "$api_get" "$pg_get"), POST $(share "$api_post" "$pg_post")"
