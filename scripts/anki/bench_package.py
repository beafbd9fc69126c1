#!/usr/bin/env python3
"""Writes a large Anki package for the import benchmark, with Anki's own code.

Usage: python3 scripts/anki/bench_package.py OUT.apkg [NOTES]

The collection holds NOTES notes (10,000 by default) in 10 decks: four in five Basic
(one card each), one in five Cloze with two clozes (two cards each), every note tagged,
a few fields with HTML; half the cards have a review log of three answers over a month
(written into the log directly: answering 10,000 cards through the scheduler would take
minutes). Exported as Anki's current format (collection.anki21b) with scheduling.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

# anki.collection first: importing other anki modules before it can fail on a circular import.
from anki.collection import Collection, ExportAnkiPackageOptions

DAY_MS = 86_400_000


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1]).resolve()
    notes = int(sys.argv[2]) if len(sys.argv) == 3 else 10_000
    rng = random.Random(20261206)
    with tempfile.TemporaryDirectory() as work:
        col = Collection(str(Path(work) / "bench.anki2"))
        basic = col.models.by_name("Basic")
        cloze = col.models.by_name("Cloze")
        decks = [col.decks.id(f"Bench::Deck {d}") for d in range(10)]
        for i in range(notes):
            if i % 5 == 4:
                note = col.new_note(cloze)
                note["Text"] = (
                    f"Fact {i}: the {{{{c1::term {i}}}}} is part of "
                    f"{{{{c2::topic {i % 97}::a topic}}}}."
                )
            else:
                note = col.new_note(basic)
                note["Front"] = f"What is <b>term {i}</b>?"
                note["Back"] = f"Definition {i}<br>see chapter {i % 31}"
            note.tags = [f"chapter{i % 31}", "bench"]
            col.add_note(note, decks[i % len(decks)])
        card_ids = col.db.list("select id from cards order by id")
        base = col.db.scalar("select max(id) from notes") - 30 * DAY_MS
        rows = []
        next_id = base
        for cid in card_ids[::2]:
            for step, ease in enumerate((rng.choice((1, 3)), 3, rng.choice((2, 3, 4)))):
                next_id += rng.randint(1, 5_000)
                rows.append((next_id + step * 10 * DAY_MS, cid, ease, 4_000, 0 if step == 0 else 1))
        col.db.executemany(
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "values (?, ?, -1, ?, 0, 0, 0, ?, ?)",
            rows,
        )
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=True,
                with_deck_configs=False,
                with_media=False,
                legacy=False,
            ),
            limit=None,
        )
        col.close()
    print(f"{out}: {notes} notes, {len(card_ids)} cards, {len(rows)} reviews, "
          f"{out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
