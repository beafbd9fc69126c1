#!/usr/bin/env python3
"""Makes the Anki package fixtures in tests/fixtures/anki/ with real tools.

Run from anywhere as `python3 scripts/anki/fixtures.py`; it needs the PyPI packages
`anki` (Anki's own collection code: its Rust backend writes every file) and `genanki`.

One collection is built with the `anki` package in a temporary folder and exported
three ways:

* `modern.apkg`: the current package format (`collection.anki21b`, zstd, protobuf
  media map), with scheduling and media;
* `legacy.apkg`: the same notes in the schema 11 format (`collection.anki21`);
* `collection.colpkg`: the whole collection, current format, with media.

`genanki.apkg` is written by genanki (a `collection.anki2` of its own making).

The output is deterministic where the tools let it be: deck, note type, field and
template ids, note guids and the time taken by each review are fixed; note, card
and review-log ids, modification times and learning due times come from the clock,
and the zip writers stamp their own times. genanki's ids and times are all fixed.
"""

from __future__ import annotations

import math
import os
import struct
import tempfile
import wave
import zipfile
import zlib
from pathlib import Path

import genanki

# anki.collection first: importing anki.cards before it fails on a circular import.
from anki.collection import Collection, ExportAnkiPackageOptions
from anki.buildinfo import version as anki_version
from anki.cards import Card
from anki.scheduler.v3 import CardAnswer

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "anki"
MAX_SIZE = 100 * 1024

# 2024-05-01T00:00:00Z, in seconds; fixed ids below are millisecond-like values near it.
EPOCH = 1714521600
EPOCH_MS = EPOCH * 1000

# Note type ids by the stock kind Anki records in `originalStockKind`.
STOCK_NOTETYPE_IDS = {
    1: EPOCH_MS + 101,  # Basic
    2: EPOCH_MS + 102,  # Basic (and reversed card)
    3: EPOCH_MS + 103,  # Basic (optional reversed card)
    4: EPOCH_MS + 104,  # Basic (type in the answer)
    5: EPOCH_MS + 105,  # Cloze
    6: EPOCH_MS + 106,  # Image Occlusion
}
GLOSSARY_NOTETYPE_ID = EPOCH_MS + 201

DECK_IDS = {
    "Biology": EPOCH_MS + 1,
    "Biology::Cells": EPOCH_MS + 2,
    "Chemistry": EPOCH_MS + 3,
}

# The deck each study session selects, and the ratings given to the top card of its
# queue, one after another.
STUDY = [
    ("Biology", [CardAnswer.AGAIN, CardAnswer.GOOD]),
    ("Biology::Cells", [CardAnswer.EASY, CardAnswer.AGAIN, CardAnswer.GOOD]),
    ("Chemistry", [CardAnswer.HARD]),
    ("Default", [CardAnswer.GOOD]),
]
ANSWER_MILLIS = 4000

GENANKI_TIMESTAMP = float(EPOCH)
GENANKI_DECK_ID = 2059400110
GENANKI_MODEL_ID = 1607392319


def tiny_png() -> bytes:
    """A valid 1x1 opaque black PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00", 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def tiny_wav(path: Path) -> None:
    """A 0.1 s 880 Hz beep, 8 kHz mono 16-bit PCM."""
    rate = 8000
    samples = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 880 * i / rate)))
        for i in range(rate // 10)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)


def fix_notetype_ids(notetype: dict, notetype_id: int) -> None:
    """Replaces the random field and template ids with ones derived from the note type's."""
    notetype["id"] = notetype_id
    for ord_, field in enumerate(notetype["flds"]):
        field["id"] = notetype_id * 100 + ord_
    for ord_, template in enumerate(notetype["tmpls"]):
        template["id"] = notetype_id * 100 + 50 + ord_


def renumber_stock_notetypes(col: Collection) -> None:
    """Gives the stock note types of a fresh collection fixed ids.

    Each is removed and added back with the same content under its new id, through
    the path Anki's importer uses (`models.update` keeping usn and mtime).
    """
    for notetype in col.models.all():
        kind = notetype["originalStockKind"]
        col.models.remove(notetype["id"])
        fix_notetype_ids(notetype, STOCK_NOTETYPE_IDS[kind])
        col.models.update(notetype, preserve_usn=True)


def add_glossary_notetype(col: Collection) -> dict:
    """A note type of our own: Term, Definition, Example, one card."""
    models = col.models
    notetype = models.new("Glossary")
    for name in ("Term", "Definition", "Example"):
        models.add_field(notetype, models.new_field(name))
    template = models.new_template("Card 1")
    template["qfmt"] = "{{Term}}"
    template["afmt"] = "{{Definition}}<br>{{Example}}"
    models.add_template(notetype, template)
    fix_notetype_ids(notetype, GLOSSARY_NOTETYPE_ID)
    notetype["mod"] = EPOCH
    models.update(notetype, preserve_usn=True)
    return models.get(GLOSSARY_NOTETYPE_ID)


def add_decks(col: Collection) -> None:
    """Adds the decks with fixed ids, parents first."""
    for name, deck_id in DECK_IDS.items():
        deck = col.decks.new_deck_legacy(False)
        deck["id"] = deck_id
        deck["name"] = name
        deck["mod"] = EPOCH
        col.decks.update(deck, preserve_usn=True)
    names = {d.name: d.id for d in col.decks.all_names_and_ids()}
    for name, deck_id in DECK_IDS.items():
        if names.get(name) != deck_id:
            raise SystemExit(f"deck {name} did not keep id {deck_id}: {names}")


def add_note(
    col: Collection,
    notetype: dict,
    deck: str,
    guid: str,
    fields: dict[str, str],
    tags: list[str] | None = None,
) -> int:
    note = col.new_note(notetype)
    note.guid = guid
    for name, value in fields.items():
        note[name] = value
    note.tags = tags or []
    deck_id = col.decks.id_for_name(deck)
    if not deck_id:
        raise SystemExit(f"no deck {deck}")
    col.add_note(note, deck_id)
    return note.id


def add_notes(col: Collection) -> None:
    basic = col.models.by_name("Basic")
    reversed_ = col.models.by_name("Basic (and reversed card)")
    typing = col.models.by_name("Basic (type in the answer)")
    cloze = col.models.by_name("Cloze")
    glossary = add_glossary_notetype(col)

    add_note(
        col,
        basic,
        "Biology",
        "fx-basic01",
        {
            "Front": "What is the <b>powerhouse</b> of the cell?",
            "Back": "The mitochondrion<br>(plural: mitochondria)",
        },
        ["biology", "cells"],
    )
    add_note(
        col,
        basic,
        "Biology",
        "fx-basic02",
        {
            "Front": "What surrounds a cell?",
            "Back": "A &lt;semi-permeable&gt; membrane &amp; more"
            "<script>alert(1)</script><style>p{}</style><div>line two</div>",
        },
    )
    add_note(
        col,
        reversed_,
        "Chemistry",
        "fx-revrs01",
        {"Front": "H2O", "Back": "water"},
        ["chemistry"],
    )
    add_note(
        col,
        typing,
        "Default",
        "fx-typin01",
        {"Front": "Capital of France?", "Back": "Paris"},
    )
    add_note(
        col,
        cloze,
        "Biology::Cells",
        "fx-cloze01",
        {
            "Text": "The {{c1::nucleus}} holds the {{c2::DNA::genetic material}}.",
            "Back Extra": "From chapter 2",
        },
        ["biology", "cloze"],
    )
    add_note(
        col,
        glossary,
        "Biology",
        "fx-gloss01",
        {
            "Term": "Osmosis",
            "Definition": "Diffusion of water across a membrane",
            "Example": '<img src="dot.png"> [sound:beep.wav]',
        },
        ["biology"],
    )


def add_media(col: Collection, work: Path) -> None:
    if col.media.write_data("dot.png", tiny_png()) != "dot.png":
        raise SystemExit("dot.png was renamed")
    wav = work / "beep.wav"
    tiny_wav(wav)
    if col.media.add_file(str(wav)) != "beep.wav":
        raise SystemExit("beep.wav was renamed")


def study(col: Collection) -> None:
    """Answers the top card of each deck's queue with the planned ratings."""
    for deck, ratings in STUDY:
        col.decks.select(col.decks.id_for_name(deck))
        for rating in ratings:
            queued = col.sched.get_queued_cards(fetch_limit=1).cards
            if not queued:
                raise SystemExit(f"nothing to study in {deck}")
            top = queued[0]
            card = Card(col, top.card.id)
            card.start_timer()
            answer = col.sched.build_answer(card=card, states=top.states, rating=rating)
            answer.milliseconds_taken = ANSWER_MILLIS
            col.sched.answer_card(answer)
            card.load()
            print(
                f"studied {deck}: note {card.note().guid} card {card.ord + 1} "
                f"rated {rating + 1}: now type {card.type} queue {card.queue} "
                f"due {card.due} ivl {card.ivl}"
            )
    col.decks.select(1)
    ratings = sorted(r for (r,) in col.db.all("select distinct ease from revlog"))
    if ratings != [1, 2, 3, 4]:
        raise SystemExit(f"review log should hold every rating, has {ratings}")


def check(col: Collection) -> None:
    problems, ok = col.fix_integrity()
    if not ok:
        raise SystemExit(f"Anki's database check found problems:\n{problems}")


def build_collection(work: Path) -> Collection:
    col = Collection(str(work / "collection.anki2"))
    renumber_stock_notetypes(col)
    add_decks(col)
    add_notes(col)
    add_media(col, work)
    study(col)
    check(col)
    return col


def export(col: Collection) -> None:
    for name, legacy in (("modern.apkg", False), ("legacy.apkg", True)):
        options = ExportAnkiPackageOptions(
            with_scheduling=True,
            with_deck_configs=False,
            with_media=True,
            legacy=legacy,
        )
        count = col.export_anki_package(
            out_path=str(OUT_DIR / name), options=options, limit=None
        )
        print(f"{name}: {count} notes")
    # Closes the collection.
    col.export_collection_package(
        str(OUT_DIR / "collection.colpkg"), include_media=True, legacy=False
    )
    # Anki writes its packages readable by their owner only.
    for name in ("modern.apkg", "legacy.apkg", "collection.colpkg"):
        os.chmod(OUT_DIR / name, 0o644)


def write_genanki() -> None:
    model = genanki.Model(
        GENANKI_MODEL_ID,
        "Genanki Basic",
        fields=[{"name": "Question"}, {"name": "Answer"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}',
            }
        ],
    )
    deck = genanki.Deck(GENANKI_DECK_ID, "Genanki Deck")
    deck.add_note(
        genanki.Note(
            model=model,
            fields=["What is 2 + 2?", "4"],
            tags=["math", "easy"],
            guid="fx-genan01",
        )
    )
    deck.add_note(
        genanki.Note(
            model=model,
            fields=["Largest planet?", "Jupiter"],
            guid="fx-genan02",
        )
    )
    deck.add_note(
        genanki.Note(
            model=genanki.CLOZE_MODEL,
            fields=["{{c1::Paris}} is the capital of {{c2::France}}", ""],
            guid="fx-genan03",
        )
    )
    genanki.Package(deck).write_to_file(
        str(OUT_DIR / "genanki.apkg"), timestamp=GENANKI_TIMESTAMP
    )


def describe(path: Path) -> None:
    size = path.stat().st_size
    print(f"\n{path.relative_to(REPO)}: {size} bytes")
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            method = {0: "stored", 8: "deflated", 93: "zstd"}.get(
                info.compress_type, str(info.compress_type)
            )
            print(
                f"  {info.filename:<20} {info.file_size:>8} bytes "
                f"({info.compress_size} {method})"
            )
    if size > MAX_SIZE:
        raise SystemExit(f"{path} is {size} bytes, over {MAX_SIZE}")


def main() -> None:
    print(f"anki {anki_version}, genanki {genanki.__version__}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        col = build_collection(Path(tmp))
        print(f"review log: {col.db.scalar('select count() from revlog')} rows")
        export(col)
    write_genanki()
    for name in ("modern.apkg", "legacy.apkg", "collection.colpkg", "genanki.apkg"):
        describe(OUT_DIR / name)


if __name__ == "__main__":
    main()
