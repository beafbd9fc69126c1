#!/usr/bin/env bash
# Shows that the notes list and the flashcard-set list are served by an index, on tables of
# 100,000 rows (100 users x 1,000 rows): EXPLAIN ANALYZE of the first page, of a deep page
# (keyset cursor), and of a filtered page, with the SQL the adapters send.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server=${base%/*}
db="sophie_explain_$$"
psql "$base" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db"
trap 'psql "$base" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
url="$server/$db"
for f in migrations/*/up.sql; do psql "$url" -v ON_ERROR_STOP=1 -q -f "$f"; done

psql "$url" -v ON_ERROR_STOP=1 -q <<'SQL'
INSERT INTO users (id, name, email)
SELECT gen_random_uuid(), 'User ' || u, 'user' || u || '@example.com' FROM generate_series(1, 100) u;
INSERT INTO notes (id, title, content, tags, user_id, created_at, updated_at)
SELECT gen_random_uuid(), 'Note ' || n, 'Body of note ' || n,
       CASE WHEN n % 10 = 0 THEN ARRAY['exam'] ELSE ARRAY['lecture'] END,
       u.id, now() - (n || ' seconds')::interval, now()
FROM users u, generate_series(1, 1000) n;
INSERT INTO flashcard_sets (id, title, difficulty, user_id, created_at, updated_at)
SELECT gen_random_uuid(), 'Set ' || n, 'MEDIUM', u.id, now() - (n || ' seconds')::interval, now()
FROM users u, generate_series(1, 1000) n;
ANALYZE;
SQL

echo "rows: notes $(psql "$url" -Atc 'SELECT count(*) FROM notes'), flashcard_sets $(psql "$url" -Atc 'SELECT count(*) FROM flashcard_sets')"

user=$(psql "$url" -Atc "SELECT id FROM users WHERE email = 'user50@example.com'")
cursor=$(psql "$url" -Atc "SELECT created_at || '|' || id FROM notes WHERE user_id = '$user' ORDER BY created_at DESC, id DESC OFFSET 799 LIMIT 1")
set_cursor=$(psql "$url" -Atc "SELECT created_at || '|' || id FROM flashcard_sets WHERE user_id = '$user' ORDER BY created_at DESC, id DESC OFFSET 799 LIMIT 1")

notes_columns='"notes"."id", "notes"."title", "notes"."content", "notes"."transcription", "notes"."summary", "notes"."source", "notes"."source_url", "notes"."duration_seconds", "notes"."tags", "notes"."course_id", "notes"."user_id", "notes"."created_at", "notes"."updated_at"'
sets_columns='"flashcard_sets"."id", "flashcard_sets"."title", "flashcard_sets"."description", "flashcard_sets"."difficulty", "flashcard_sets"."tags", "flashcard_sets"."color", "flashcard_sets"."user_id", "flashcard_sets"."course_id", "flashcard_sets"."note_id", "flashcard_sets"."document_id", "flashcard_sets"."created_at", "flashcard_sets"."updated_at"'

explain() {
  echo
  echo "== $1"
  psql "$url" -v ON_ERROR_STOP=1 -qc "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $2"
}

explain "notes, first page of 20" \
  "SELECT $notes_columns FROM notes WHERE notes.user_id = '$user' ORDER BY notes.created_at DESC, notes.id DESC LIMIT 21"
explain "notes, page 41 (after 800 rows), keyset cursor" \
  "SELECT $notes_columns FROM notes WHERE notes.user_id = '$user' AND (notes.created_at, notes.id) < ('${cursor%|*}', '${cursor#*|}') ORDER BY notes.created_at DESC, notes.id DESC LIMIT 21"
explain "notes tagged 'exam', first page" \
  "SELECT $notes_columns FROM notes WHERE notes.user_id = '$user' AND notes.tags @> ARRAY['exam'] ORDER BY notes.created_at DESC, notes.id DESC LIMIT 21"
explain "flashcard sets, first page of 20" \
  "SELECT $sets_columns FROM flashcard_sets WHERE flashcard_sets.user_id = '$user' ORDER BY flashcard_sets.created_at DESC, flashcard_sets.id DESC LIMIT 21"
explain "flashcard sets, page 41 (after 800 rows), keyset cursor" \
  "SELECT $sets_columns FROM flashcard_sets WHERE flashcard_sets.user_id = '$user' AND (flashcard_sets.created_at, flashcard_sets.id) < ('${set_cursor%|*}', '${set_cursor#*|}') ORDER BY flashcard_sets.created_at DESC, flashcard_sets.id DESC LIMIT 21"
