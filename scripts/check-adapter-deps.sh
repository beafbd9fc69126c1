#!/usr/bin/env bash
# The adapters (api, ai, jobs, persistence) depend on the domain and on none of each other, so
# each can be tested with the domain's in-memory adapters and mocks alone.
set -euo pipefail
adapters=(sophie-api sophie-ai sophie-jobs sophie-persistence)
status=0
for crate in "${adapters[@]}"; do
  for other in "${adapters[@]}"; do
    [ "$crate" = "$other" ] && continue
    if cargo tree -p "$crate" -e normal --all-features --prefix none | grep -q "^$other v"; then
      echo "$crate depends on $other: adapters must depend on the domain only" >&2
      status=1
    fi
  done
done
[ "$status" -eq 0 ] && echo "no adapter crate depends on another"
exit "$status"
