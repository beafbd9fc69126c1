#!/usr/bin/env bash
# The search benchmark, on a scratch database that this script creates and drops:
#   1. `sophie serve` (release) on PostgreSQL with hybrid search (the offline embedder),
#      on 127.0.0.1, migrating the scratch database;
#   2. a student signed up through the API;
#   3. the benchmark (benches/search.rs) loads that student's 100,000
#      passages and 1,000 notes among 99 other students' data with COPY, then times hybrid
#      search through the PostgreSQL adapter (p50, p95) and measures the recall@10 of the
#      vector part against exact cosine;
#   4. the same queries over HTTP, GET /api/v1/search?q=..., one keep-alive connection,
#      p50 and p95.
# Settings: DATABASE_URL (the server: postgres://postgres@127.0.0.1:5432/postgres),
# BENCH_CHUNKS (100000), BENCH_OTHER_USERS (99), BENCH_OTHER_CHUNKS (1000), BENCH_QUERIES (200).
set -euo pipefail
cd "$(dirname "$0")/.."

base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server_url=${base%/*}
db="sophie_bench_search_$$"
url="$server_url/$db"
target=${CARGO_TARGET_DIR:-target}

cargo build --release --quiet --bin sophie
cargo bench --quiet -p sophie --bench search --no-run

psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
out=$(mktemp)
queries=$(mktemp)
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -f "$out" "$queries"
}
trap cleanup EXIT

DATABASE_URL="$url" PORT=0 LOG_LEVEL=warn HOST=127.0.0.1 \
  "$target/release/sophie" serve > "$out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "listening on" "$out" && break; sleep 0.1; done
api=$(sed -n 's/^sophie listening on //p' "$out" | head -n 1)
[ -n "$api" ] || { echo "sophie did not start:" >&2; cat "$out" >&2; exit 1; }

token=$(curl -sf -X POST "$api/api/v1/auth/sign-up" -H 'Content-Type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com","password":"benchmark password"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
user=$(psql "$url" -Atqc "SELECT id FROM users WHERE email = 'bench@example.com'")

echo "== the PostgreSQL adapter (release build), one connection, queries one after another"
BENCH_DATABASE_URL="$url" BENCH_USER_ID="$user" BENCH_QUERY_FILE="$queries" \
  cargo bench --quiet -p sophie --bench search

echo "== over HTTP: sophie serve (release), offline embedder, one keep-alive connection"
python3 - "$api" "$token" "$queries" <<'PY'
import http.client, json, sys, time, urllib.parse
api, token, path = sys.argv[1:4]
host = urllib.parse.urlparse(api)
conn = http.client.HTTPConnection(host.hostname, host.port)
headers = {"Authorization": f"Bearer {token}"}
texts = [line.strip() for line in open(path) if line.strip()]

def search(text):
    conn.request("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": text, "limit": 20}),
                 headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET /api/v1/search answered {response.status}: {body[:300]!r}")
    return json.loads(body)["items"]

for text in texts[:20]:
    search(text)
times, kinds = [], {}
for text in texts:
    start = time.perf_counter()
    items = search(text)
    times.append(time.perf_counter() - start)
    for item in items:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
times.sort()
def pct(p):
    return times[max(1, -(-len(times) * p // 100)) - 1] * 1e3
print(f"HTTP GET /api/v1/search (hybrid, limit 20): p50 {pct(50):.2f} ms, p95 {pct(95):.2f} ms, "
      f"max {times[-1] * 1e3:.2f} ms over {len(times)} queries; hits by kind {kinds}")
PY
