#!/usr/bin/env bash
# The contract run: schemathesis against `sophie serve`, every check, the stateful phase, a
# fixed seed and a bounded number of examples, on the in-memory storage and on a fresh
# PostgreSQL database; then a Python client generated from the document drives a student's
# first session. Any failure fails the run.
#
#   bash scripts/contract/run.sh            # both storages
#   CONTRACT_STORAGES=memory bash scripts/contract/run.sh
#
# Settings: CONTRACT_SEED (20261205), CONTRACT_EXAMPLES (examples per operation and phase,
# 25), CONTRACT_STORAGES ("memory postgres"), CONTRACT_VENV (target/contract-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/contract

seed="${CONTRACT_SEED:-20261205}"
examples="${CONTRACT_EXAMPLES:-25}"
storages="${CONTRACT_STORAGES:-memory postgres}"
venv="${CONTRACT_VENV:-target/contract-venv}"
admin_url="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

step() { printf '\n==> %s\n' "$*"; }

step "contract tools (pinned in $here/requirements.txt)"
if ! "$venv/bin/python" -c 'import schemathesis' 2>/dev/null \
    || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.txt"
fi
"$venv/bin/schemathesis" --version

step "sophie (release: a debug build spends seconds on each password hash, and the run signs
# up a student for every case that ends a session)"
cargo build --release --quiet
sophie="$PWD/target/release/sophie"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pid=""
provider_pid=""
db=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [ -n "$provider_pid" ]; then kill "$provider_pid" 2>/dev/null || true; fi
    if [ -n "$db" ]; then psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true; fi
}
trap cleanup EXIT

start() {
    local storage="$1" port
    port="$(free_port)"
    export SOPHIE_URL="http://127.0.0.1:$port"
    if [ "$storage" = postgres ]; then
        db="sophie_contract_$$"
        psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
        export DATABASE_URL="${admin_url%/*}/$db"
    else
        unset DATABASE_URL
    fi
    # Sign-in with a provider goes to a stand-in provider on 127.0.0.1 that refuses every code
    # (oidc_provider.py): the endpoints answer as with a real one.
    provider_port="$(free_port)"
    python3 "$here/oidc_provider.py" "$provider_port" &
    provider_pid=$!
    for _ in $(seq 50); do
        curl -fs "http://127.0.0.1:$provider_port/.well-known/openid-configuration" >/dev/null 2>&1 && break
        sleep 0.1
    done
    # The run signs up a student for every case of an operation that ends sessions, all from
    # this one address: the per-address sign-in limit would answer 429 to the run itself.
    # Imports reach nothing outside: no page is fetched, and YouTube and Google Calendar are a
    # closed local port.
    SIGN_IN_ATTEMPTS_PER_IP=1000000 HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warn \
        IMPORT_WEB_FETCH=false YOUTUBE_BASE_URL=http://127.0.0.1:9 \
        GOOGLE_CALENDAR_BASE_URL=http://127.0.0.1:9/calendar/v3 \
        OIDC_ISSUER="http://127.0.0.1:$provider_port" OIDC_CLIENT_ID=sophie-contract \
        OIDC_CLIENT_SECRET=contract-secret \
        OIDC_REDIRECT_URL="$SOPHIE_URL/api/v1/auth/oidc/callback" \
        TOKEN_KEY="contract:$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')" \
        "$sophie" serve >"target/contract-$storage.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        curl -fs "$SOPHIE_URL/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "sophie did not start; see target/contract-$storage.log" >&2
    return 1
}

stop() {
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    kill "$provider_pid" 2>/dev/null || true; wait "$provider_pid" 2>/dev/null || true; provider_pid=""
    if [ -n "$db" ]; then psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; db=""; fi
}

for storage in $storages; do
    step "schemathesis on $storage (seed $seed, $examples examples)"
    start "$storage"
    started=$(date +%s)
    # No operation and no check is excluded. Per-operation settings, each with its reason,
    # are in schemathesis.toml. The `too_slow` health check is about the generator, not the
    # API: drawing 32,000-character strings that match a pattern takes a while on two cores.
    # One worker: schemathesis's workers are threads of one Python process, and a thread
    # drawing such a string holds the interpreter while another is mid-request, which then
    # stalls for seconds (actix answers 408 to a body that stops arriving) and is timed as
    # the server's.
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here" \
        "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run \
        "$SOPHIE_URL/api/openapi.json" \
        --checks all \
        --phases examples,coverage,fuzzing,stateful \
        --seed "$seed" \
        --max-examples "$examples" \
        --workers 1 \
        --suppress-health-check too_slow \
        --no-color \
        --report junit --report-dir "target/contract-$storage"
    echo "schemathesis on $storage: $(( $(date +%s) - started )) s"

    step "a client generated from the document, on $storage"
    rm -rf target/contract-client
    mkdir -p target/contract-client
    curl -fs "$SOPHIE_URL/api/openapi.json" -o target/openapi.json
    "$venv/bin/openapi-python-client" generate --path target/openapi.json \
        --config "$here/client-config.yaml" --meta none \
        --output-path target/contract-client/sophie_client
    PYTHONPATH=target/contract-client "$venv/bin/python" "$here/client_journey.py"
    stop
done

step "contract: no failures"
