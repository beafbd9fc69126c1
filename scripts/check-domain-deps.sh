#!/usr/bin/env bash
# The dependency rule: sophie-domain depends on nothing that does I/O, with any of its features.
set -euo pipefail
forbidden='^(diesel|diesel-async|diesel_migrations|actix-web|actix-http|reqwest|hyper|tokio-postgres|tokio) v'
status=0
for features in "" "--features memory" "--features mock" "--all-features"; do
  # shellcheck disable=SC2086
  found=$(cargo tree -p sophie-domain -e normal --prefix none $features | grep -E "$forbidden" | sort -u || true)
  if [ -n "$found" ]; then
    echo "sophie-domain ${features:-(default features)} depends on I/O crates:" >&2
    echo "$found" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "sophie-domain depends on no I/O crate"
exit "$status"
