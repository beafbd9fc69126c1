#!/usr/bin/env bash
# The calendar feed read by independent iCalendar libraries: Python's `icalendar` parses the
# feed sophie serves and `recurring-ical-events` expands it; the occurrences must be those the
# API answers (tests/calendar_feed.rs, the ignored tests).
#
#   bash scripts/ical/check.sh        # ICAL_VENV (target/ical-venv) holds the libraries
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/ical
venv="${ICAL_VENV:-target/ical-venv}"

if ! "$venv/bin/python" -c 'import icalendar, recurring_ical_events' 2>/dev/null \
    || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.txt"
fi
# The test runs `python3` from PATH: the virtual environment's.
PATH="$PWD/$venv/bin:$PATH" cargo test --all-features --test calendar_feed -- --ignored
