#!/usr/bin/env bash
# The round trip through Anki itself: a set exported by sophie is imported by Anki's own code
# (the `anki` Python package), exported again by Anki and imported back into sophie, which must
# give the same cards, tags, review log and schedules (tests/anki_import.rs, the ignored test).
#
#   bash scripts/anki/check.sh        # ANKI_VENV (target/anki-venv) holds the tools
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/anki
venv="${ANKI_VENV:-target/anki-venv}"

if ! "$venv/bin/python" -c 'import anki, genanki' 2>/dev/null \
    || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.txt"
fi
# The test runs `python3` from PATH: the virtual environment's.
PATH="$PWD/$venv/bin:$PATH" cargo test --all-features --test anki_import -- --ignored
