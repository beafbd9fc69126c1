#!/usr/bin/env python3
"""Checks that Anki itself accepts an .apkg package, and exports it again.

Usage: python3 scripts/anki/roundtrip.py PACKAGE.apkg OUT.apkg

Imports PACKAGE into a fresh, temporary collection with the PyPI package `anki`
(Anki's own collection code) keeping its scheduling, then:

* prints a JSON summary to stdout: the decks, every note (guid, note type, field
  names and values, tags) with its cards' scheduling (queue, type, due, ivl,
  factor, reps, lapses), the review-log count and the media files;
* exits with status 1, writing nothing, if Anki complains: the import fails, its
  log lists notes it did not add as new (duplicates, conflicts, missing note types
  or decks, empty first fields), Anki's database check finds problems, or notes
  refer to media files the package lacks;
* otherwise exports the collection again as a current-format .apkg (with
  scheduling and media) to OUT.

The fresh collection's stock note types are removed before importing, so the
package's note types keep their names (Anki renames one whose name is taken by
appending `+`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

# anki.collection first: importing other anki modules before it can fail on a
# circular import.
from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.buildinfo import version as anki_version
from anki.errors import AnkiException

# Parts of Anki's import log that mean a note was not imported as given.
COMPLAINTS = (
    "updated",
    "duplicate",
    "conflicting",
    "first_field_match",
    "missing_notetype",
    "missing_deck",
    "empty_first_field",
)

PLACEHOLDER_NOTETYPE = "anki-roundtrip placeholder"


def clear_notetypes(col: Collection) -> None:
    """Removes the stock note types. Anki keeps one at least: it is renamed."""
    col.models.remove_all_notetypes()
    for entry in col.models.all_names_and_ids():
        notetype = col.models.get(entry.id)
        notetype["name"] = PLACEHOLDER_NOTETYPE
        col.models.update_dict(notetype)


def import_package(col: Collection, package: Path) -> list[str]:
    """Imports the package; returns Anki's complaints about it."""
    request = ImportAnkiPackageRequest(
        package_path=str(package),
        options=ImportAnkiPackageOptions(
            merge_notetypes=False,
            with_scheduling=True,
            with_deck_configs=True,
        ),
    )
    try:
        log = col.import_anki_package(request).log
    except AnkiException as err:
        return [f"import failed: {type(err).__name__}: {err}"]
    complaints = []
    for kind in COMPLAINTS:
        for note in getattr(log, kind):
            complaints.append(f"import: {kind} note {note.id.nid}: {list(note.fields)}")
    if not log.new:
        complaints.append("import: no new notes")
    return complaints


def check_collection(col: Collection) -> list[str]:
    """Runs Anki's media and database checks; returns what they report."""
    complaints = []
    media = col.media.check()
    for name in media.missing:
        complaints.append(f"media: missing file {name}")
    problems, ok = col.fix_integrity()
    if not ok:
        complaints.append(f"database check: {problems}")
    return complaints


def summarize(col: Collection) -> dict:
    decks = sorted(
        ({"id": d.id, "name": d.name} for d in col.decks.all_names_and_ids()),
        key=lambda d: d["name"],
    )
    deck_names = {d["id"]: d["name"] for d in decks}
    notes = []
    for nid in col.db.list("select id from notes order by id"):
        note = col.get_note(nid)
        notetype = note.note_type()
        cards = []
        for card in sorted(note.cards(), key=lambda c: c.ord):
            cards.append(
                {
                    "ord": card.ord,
                    "deck": deck_names.get(card.did, card.did),
                    "queue": card.queue,
                    "type": card.type,
                    "due": card.due,
                    "ivl": card.ivl,
                    "factor": card.factor,
                    "reps": card.reps,
                    "lapses": card.lapses,
                }
            )
        notes.append(
            {
                "guid": note.guid,
                "notetype": notetype["name"],
                "notetype_kind": "cloze" if notetype["type"] == 1 else "normal",
                "field_names": [f["name"] for f in notetype["flds"]],
                "fields": list(note.fields),
                "tags": list(note.tags),
                "cards": cards,
            }
        )
    media_dir = Path(col.media.dir())
    media = [
        {"name": p.name, "size": p.stat().st_size}
        for p in sorted(media_dir.iterdir())
        if p.is_file()
    ]
    return {
        "anki": anki_version,
        "decks": decks,
        "notes": notes,
        "revlog": col.db.scalar("select count() from revlog"),
        "media": media,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the .apkg file to import")
    parser.add_argument("out", type=Path, help="where to write the re-exported .apkg")
    args = parser.parse_args()
    if not args.package.is_file():
        parser.error(f"no such file: {args.package}")

    with tempfile.TemporaryDirectory() as tmp:
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            clear_notetypes(col)
            complaints = import_package(col, args.package.resolve())
            if not any(c.startswith("import failed") for c in complaints):
                complaints += check_collection(col)
            summary = summarize(col)
            summary["complaints"] = complaints
            json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
            print()
            if complaints:
                for complaint in complaints:
                    print(complaint, file=sys.stderr)
                return 1
            col.export_anki_package(
                out_path=str(args.out.resolve()),
                options=ExportAnkiPackageOptions(
                    with_scheduling=True,
                    with_deck_configs=True,
                    with_media=True,
                    legacy=False,
                ),
                limit=None,
            )
        finally:
            col.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
