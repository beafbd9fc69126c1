#!/usr/bin/env bash
# sophie's sign-in against an independent OpenID Connect provider: oauth2-mock-server (npm,
# not written for sophie) on 127.0.0.1, once with RS256 keys and once with ES256. A browser is
# played by curl with a cookie jar: start, the provider's authorization endpoint, the callback;
# then the session opens /api/v1/me. Needs node and npm; the provider is installed into
# target/oidc-interop. Nothing leaves 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/oidc
work=target/oidc-interop
mkdir -p "$work"
if ! cmp -s "$here/package.json" "$work/package.json" || [ ! -d "$work/node_modules" ]; then
    cp "$here/package.json" "$work/package.json"
    (cd "$work" && npm install --silent --no-audit --no-fund)
fi
cp "$here/provider.mjs" "$work/provider.mjs"
cargo build --quiet --bin sophie
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() {
    for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "nothing answers at $1" >&2; return 1
}

for alg in RS256 ES256; do
    provider_port=$(free_port); sophie_port=$(free_port)
    (cd "$work" && exec node provider.mjs "$provider_port" "$alg") &
    pids+=($!)
    issuer="http://127.0.0.1:$provider_port"
    wait_for "$issuer/.well-known/openid-configuration"
    base="http://127.0.0.1:$sophie_port"
    env -u DATABASE_URL HOST=127.0.0.1 PORT="$sophie_port" LOG_LEVEL=warn SECURE_COOKIES=false \
        OIDC_ISSUER="$issuer" OIDC_CLIENT_ID=sophie-interop OIDC_CLIENT_SECRET=interop-secret \
        OIDC_REDIRECT_URL="$base/api/v1/auth/oidc/callback" \
        target/debug/sophie serve >"$work/sophie-$alg.log" 2>&1 &
    pids+=($!)
    wait_for "$base/readyz"

    jar="$work/cookies-$alg.txt"; rm -f "$jar"
    to_provider=$(curl -s -o "$work/start-$alg.txt" -w '%{redirect_url}' -c "$jar" "$base/api/v1/auth/oidc/start")
    case "$to_provider" in
        "$issuer/authorize?"*) ;;
        *) echo "start sent the browser to '$to_provider': $(cat "$work/start-$alg.txt")" >&2; exit 1;;
    esac
    back=$(curl -s -o /dev/null -w '%{redirect_url}' "$to_provider")
    case "$back" in "$base/api/v1/auth/oidc/callback?"*) ;; *) echo "the provider sent the browser to: $back" >&2; exit 1;; esac
    answer=$(curl -s -w '\n%{http_code}' -b "$jar" "$back")
    status=${answer##*$'\n'}; body=${answer%$'\n'*}
    if [ "$status" != 200 ]; then echo "$alg: the callback answered $status: $body" >&2; exit 1; fi
    token=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$body")
    me=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/me")
    email=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["email"])' <<<"$me")
    [ "$email" = ada@example.org ] || { echo "$alg: signed in as $email" >&2; exit 1; }
    # The same callback again is refused: its state was used.
    again=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$back")
    [ "$again" = 401 ] || { echo "$alg: a replayed callback answered $again" >&2; exit 1; }
    echo "$alg: signed in through oauth2-mock-server as $email; the replayed callback got 401"
    cleanup; pids=()
done
