"""The occurrences an iCalendar file implies, as read by independent libraries.

    python3 scripts/ical/occurrences.py FILE FROM TO

`icalendar` parses FILE and `recurring-ical-events` expands it between FROM and TO (ISO 8601
instants): recurrence rules, EXDATE, RDATE, RECURRENCE-ID overrides and the VTIMEZONEs of the
file. Prints one JSON list of {uid, start, end, summary}: a timed start or end as a UTC instant
(`2027-03-15T09:00:00Z`), an all-day one as its date (`2027-03-15`). The calendar feed's test
(tests/calendar_feed.rs) compares them with the occurrences the API answers.
"""

import datetime
import json
import sys

import icalendar
import recurring_ical_events


def when(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise SystemExit(f"a floating time in the feed: {value}")
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def main():
    path, start, end = sys.argv[1:4]
    with open(path, "rb") as file:
        calendar = icalendar.Calendar.from_ical(file.read())
    start = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    end = datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        begins = event["DTSTART"].dt
        ends = event["DTEND"].dt if "DTEND" in event else begins
        found.append(
            {
                "uid": str(event["UID"]),
                "start": when(begins),
                "end": when(ends),
                "summary": str(event["SUMMARY"]),
            }
        )
    json.dump(found, sys.stdout)


if __name__ == "__main__":
    main()
