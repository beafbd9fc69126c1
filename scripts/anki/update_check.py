#!/usr/bin/env python3
"""Checks that a newer package of the same set updates the notes Anki imported before.

Usage: python3 scripts/anki/update_check.py OLD.apkg NEW.apkg

Imports OLD into a fresh, temporary collection with Anki's own code (the PyPI package
`anki`), then NEW into the same collection, and prints a JSON summary to stdout: how many
notes the collection holds, how many of NEW's notes Anki added as new, updated or left
as they were, and every note's fields by guid. Exits 1 if an import fails.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

# anki.collection first: importing other anki modules before it can fail on a circular import.
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.errors import AnkiException

from roundtrip import clear_notetypes


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = (Path(arg).resolve() for arg in sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            clear_notetypes(col)
            logs = []
            for package in (old, new):
                request = ImportAnkiPackageRequest(
                    package_path=str(package),
                    options=ImportAnkiPackageOptions(
                        merge_notetypes=False, with_scheduling=True, with_deck_configs=True
                    ),
                )
                try:
                    logs.append(col.import_anki_package(request).log)
                except AnkiException as err:
                    print(f"import of {package.name} failed: {err}", file=sys.stderr)
                    return 1
            second = logs[1]
            notes = {}
            for nid in col.find_notes(""):
                note = col.get_note(nid)
                notes[note.guid] = list(note.fields)
            json.dump(
                {
                    "notes": len(notes),
                    "new": len(second.new),
                    "updated": len(second.updated),
                    "duplicate": len(second.duplicate),
                    "fields": notes,
                },
                sys.stdout,
                indent=2,
                ensure_ascii=False,
            )
            print()
        finally:
            col.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
