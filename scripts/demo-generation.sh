#!/usr/bin/env bash
# A student's session against a running sophie (`cargo run`: in memory, offline generator),
# with curl: sign up, upload tests/fixtures/lecture.pdf, generate a flashcard set, a quiz and a
# study guide from it, summarize it, and ask a question in chat. Prints a sample of each.
# Run from the repository's root: `bash scripts/demo-generation.sh` (PORT=8080 by default).
set -euo pipefail
B=http://127.0.0.1:${PORT:-8080}/api/v1
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
TOKEN=$(curl -s -X POST $B/auth/sign-up -H 'content-type: application/json' \
  -d '{"name":"Ada","email":"ada@example.com","password":"correct horse battery"}' | j 'd["token"]')
H="authorization: Bearer $TOKEN"
DOC=$(curl -s -X POST $B/documents -H "$H" -F file=@tests/fixtures/lecture.pdf | j 'd["id"]')
until [ "$(curl -s $B/documents/$DOC -H "$H" | j 'd["status"]')" = READY ]; do sleep 0.2; done
echo "document $DOC READY"
wait_job() { until s=$(curl -s $B/generation-jobs/$1 -H "$H" | j 'd["status"]+" "+str(d["resultId"])'); [[ $s == COMPLETED* || $s == FAILED* ]]; do sleep 0.2; done; echo "$s"; }
for what in flashcard-sets quizzes study-guides; do
  JOB=$(curl -s -X POST $B/$what/generate -H "$H" -H 'content-type: application/json' \
    -d "{\"documentId\":\"$DOC\",\"count\":10}" | j 'd["id"]')
  R=$(wait_job $JOB); echo "$what: $R"; ID=${R#* }
  curl -s $B/$what/$ID -H "$H" > /tmp/demo-$what.json
done
python3 - <<'PY'
import json
s=json.load(open('/tmp/demo-flashcard-sets.json'))
print("\n== flashcard set:", s["title"], "-", len(s["flashcards"]), "cards")
for c in s["flashcards"][:3]:
    src=c["sources"][0]
    print(f'  Q: {c["question"]}\n  A: {c["answer"]}\n     source: page {src["pageNumber"]}: "{src["quote"]}"')
q=json.load(open('/tmp/demo-quizzes.json'))
print("\n== quiz:", q["title"], "-", len(q["questions"]), "questions")
for x in q["questions"][:3]:
    print(f'  [{x["type"]}] {x["question"]} options={x.get("options")} answer={x["correctAnswer"]} (page {x["sources"][0]["pageNumber"]})')
g=json.load(open('/tmp/demo-study-guides.json'))
print("\n== study guide:", g["title"], "-", len(g["sources"]), "sources")
print("\n".join(g["content"].splitlines()[:24]))
PY
echo; echo "== summary"; curl -s -X POST $B/documents/$DOC/summary -H "$H" | j 'd["summary"]'
CHAT=$(curl -s -X POST $B/chat-sessions -H "$H" -H 'content-type: application/json' -d '{}' | j 'd["id"]')
echo; echo "== chat"
curl -s -X POST $B/chat-sessions/$CHAT/messages -H "$H" -H 'content-type: application/json' \
  -d '{"content":"What does the Golgi apparatus do?"}' | python3 -c '
import json,sys; d=json.load(sys.stdin); a=d["answer"]
print("title:", d["chatSession"]["title"]); print("answer:", a["content"])
for i,r in enumerate(a["references"],1): print("  [%d] %s, page %s: %s" % (i, r["title"], r["pageNumber"], json.dumps(r["quote"])))'
