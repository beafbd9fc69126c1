"""Test vectors for the FSRS scheduler (crates/domain/src/rules/fsrs.rs), made by py-fsrs itself.

    git -C <py-fsrs checkout> archive v6.3.1 | tar -x -C /tmp/py-fsrs
    PYTHONPATH=/tmp/py-fsrs python3 scripts/fsrs-vectors.py

writes tests/fixtures/fsrs/vectors.json. py-fsrs is pure Python (it needs typing-extensions).
The output depends only on py-fsrs and on SEED: the same version gives the same file.

Each sequence is a card created at `start`, then reviews (rating, time); after each review
the card py-fsrs returns is recorded. `sequences` run with fuzzing off. `fuzzed` run with
fuzzing on, py-fsrs's `random()` replaced by the step's `fuzz_factor`.
"""
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

import fsrs
from fsrs import Card, Rating, Scheduler, State
import fsrs.scheduler as fsrs_scheduler

EXPECTED_VERSION = "6.3.1"
SEED = 20250601
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "fsrs", "vectors.json")

RATINGS = {"AGAIN": Rating.Again, "HARD": Rating.Hard, "GOOD": Rating.Good, "EASY": Rating.Easy}
STATES = {State.Learning: "LEARNING", State.Review: "REVIEW", State.Relearning: "RELEARNING"}
MIN = 60
DAY = 86400


def iso(t):
    return t.isoformat().replace("+00:00", "Z")


def settings(retention=0.9, maximum=36500, learning=(MIN, 10 * MIN), relearning=(10 * MIN,), fuzz=False, easy_start=None):
    """Scheduler settings; `easy_start` replaces w[3], the stability after a first EASY."""
    extra = {}
    if easy_start is not None:
        parameters = list(fsrs_scheduler.DEFAULT_PARAMETERS)
        parameters[3] = easy_start
        extra["parameters"] = parameters
    return extra | {
        "desired_retention": retention,
        "maximum_interval": maximum,
        "learning_steps_seconds": list(learning),
        "relearning_steps_seconds": list(relearning),
        "enable_fuzzing": fuzz,
    }


def scheduler(s):
    return Scheduler(
        parameters=s.get("parameters", fsrs_scheduler.DEFAULT_PARAMETERS),
        desired_retention=s["desired_retention"],
        maximum_interval=s["maximum_interval"],
        learning_steps=[timedelta(seconds=x) for x in s["learning_steps_seconds"]],
        relearning_steps=[timedelta(seconds=x) for x in s["relearning_steps_seconds"]],
        enable_fuzzing=s["enable_fuzzing"],
    )


def when(rng, card, timing):
    """The time of the next review of `card`, relative to its due date."""
    last = card.last_review
    due = card.due
    span = (due - last) if last else timedelta(0)
    if timing == "due":
        t = due
    elif timing == "early":
        t = last + span * rng.uniform(0.2, 0.9) if last else due
    elif timing == "late":
        t = due + span * rng.uniform(0.3, 3.0) + timedelta(seconds=rng.randrange(DAY))
    elif timing == "years":
        t = due + timedelta(days=365 * rng.randint(1, 4) + rng.randrange(365))
    elif timing == "same_day":
        t = (last or due) + timedelta(seconds=rng.randrange(MIN, 20 * 3600))
    elif timing == "jitter":
        t = due + timedelta(seconds=rng.randrange(-6 * 3600, 30 * 3600))
        if last and t <= last:
            t = due
    else:
        raise ValueError(timing)
    return t.replace(microsecond=0)


def run(name, s, start, plan, rng, fuzz_factors=None):
    """Replays `plan`, a list of (rating, timing), through py-fsrs."""
    sched = scheduler(s)
    card = Card(card_id=1, due=start)
    steps = []
    for i, (rating, timing) in enumerate(plan):
        t = when(rng, card, timing)
        record = {"rating": rating, "review": iso(t)}
        if fuzz_factors is not None:
            factor = fuzz_factors[i]
            fsrs_scheduler.random = lambda: factor
            record["fuzz_factor"] = factor
        card, _ = sched.review_card(card, RATINGS[rating], review_datetime=t)
        record.update(
            state=STATES[card.state],
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=iso(card.due),
            last_review=iso(card.last_review),
        )
        steps.append(record)
    return {"name": name, "settings": s, "start": iso(start), "steps": steps}


def random_plan(rng, length, weights=(1, 1, 5, 1), timings=None):
    timings = timings or ["due"] * 6 + ["early", "late", "same_day", "jitter", "years"]
    return [(rng.choices(list(RATINGS), weights=weights)[0], rng.choice(timings)) for _ in range(length)]


def handmade():
    d = "due"
    return [
        ("good to graduation", settings(), [("GOOD", d)] * 8),
        ("easy first", settings(), [("EASY", d)] + [("GOOD", d)] * 5),
        ("again hard good", settings(), [("AGAIN", d), ("HARD", d), ("HARD", d), ("GOOD", d), ("HARD", d), ("GOOD", d), ("GOOD", d)]),
        ("hard on both learning steps", settings(), [("HARD", d), ("GOOD", d), ("HARD", d), ("HARD", d), ("GOOD", d), ("GOOD", d)]),
        ("again resets learning", settings(), [("GOOD", d), ("AGAIN", d), ("GOOD", d), ("GOOD", d), ("GOOD", d)]),
        ("lapse and relearn", settings(), [("GOOD", d)] * 5 + [("AGAIN", d), ("HARD", d), ("AGAIN", d), ("GOOD", d), ("GOOD", d), ("GOOD", d)]),
        ("easy out of relearning", settings(), [("GOOD", d)] * 4 + [("AGAIN", d), ("EASY", d), ("GOOD", d), ("AGAIN", d), ("AGAIN", "same_day"), ("EASY", "same_day")]),
        ("review repeated the same day", settings(), [("GOOD", d)] * 4 + [("GOOD", "same_day"), ("EASY", "same_day"), ("HARD", "same_day"), ("AGAIN", "same_day"), ("GOOD", d), ("GOOD", d)]),
        ("early reviews", settings(), [("GOOD", d), ("GOOD", d)] + [("GOOD", "early")] * 6 + [("HARD", "early"), ("EASY", "early"), ("AGAIN", "early")]),
        ("years late", settings(), [("GOOD", d), ("GOOD", d), ("GOOD", "years"), ("GOOD", "years"), ("AGAIN", "years"), ("GOOD", d), ("EASY", "years")]),
        ("long good", settings(), [("GOOD", d)] * 25),
        ("long easy reaches the maximum", settings(), [("EASY", d)] * 20),
        ("long with lapses", settings(), [("GOOD", d)] * 10 + [("AGAIN", "late"), ("GOOD", d), ("GOOD", d)] + [("GOOD", d)] * 8),
        ("retention 0.8", settings(retention=0.8), [("GOOD", d)] * 10 + [("AGAIN", d), ("GOOD", d), ("GOOD", d), ("HARD", d), ("EASY", d)]),
        ("retention 0.95", settings(retention=0.95), [("GOOD", d)] * 10 + [("AGAIN", d), ("GOOD", d), ("GOOD", d), ("HARD", d), ("EASY", d)]),
        ("maximum interval 365", settings(maximum=365), [("GOOD", d)] * 6 + [("EASY", d)] * 10 + [("GOOD", "late")] * 3),
        ("one learning step", settings(learning=(10 * MIN,)), [("HARD", d), ("HARD", d), ("AGAIN", d), ("GOOD", d), ("GOOD", d)]),
        ("three learning steps", settings(learning=(MIN, 10 * MIN, 3600)), [("HARD", d), ("GOOD", d), ("HARD", d), ("GOOD", d), ("HARD", d), ("AGAIN", d), ("GOOD", d), ("GOOD", d), ("GOOD", d), ("GOOD", d)]),
        ("no learning steps", settings(learning=()), [("AGAIN", d), ("HARD", d), ("GOOD", d), ("AGAIN", d), ("GOOD", d)]),
        ("two relearning steps", settings(relearning=(10 * MIN, 3600)), [("GOOD", d)] * 4 + [("AGAIN", d), ("HARD", d), ("GOOD", d), ("HARD", d), ("AGAIN", d), ("GOOD", d), ("GOOD", d), ("GOOD", d)]),
        ("no relearning steps", settings(relearning=()), [("GOOD", d)] * 4 + [("AGAIN", d), ("AGAIN", d), ("GOOD", d), ("HARD", d)]),
    ] + [
        # The first interval is exactly x.5 days: Python's round goes to the even day.
        (f"interval of {v} days rounds to even", settings(easy_start=v), [("EASY", d), ("GOOD", d), ("GOOD", d)])
        for v in (2.5, 3.5, 4.5, 6.5)
    ]


def py_fsrs_version():
    """The version of the py-fsrs on PYTHONPATH: its pyproject.toml, else the installed package's."""
    pyproject = os.path.join(os.path.dirname(fsrs.__file__), "..", "pyproject.toml")
    if os.path.exists(pyproject):
        for line in open(pyproject):
            if line.startswith("version"):
                return line.split("=")[1].strip().strip('"')
    from importlib.metadata import version

    return version("fsrs")


def main():
    found = py_fsrs_version()
    if found != EXPECTED_VERSION:
        sys.exit(f"py-fsrs {found} found, {EXPECTED_VERSION} expected")
    assert fsrs_scheduler.DEFAULT_PARAMETERS[0] == 0.212 and len(fsrs_scheduler.DEFAULT_PARAMETERS) == 21
    rng = random.Random(SEED)
    start = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)

    sequences = []
    for name, s, plan in handmade():
        sequences.append(run(name, s, start, plan, rng))
    for i in range(40):
        kind = i % 4
        if kind == 0:  # mostly good, at all sorts of times
            plan = random_plan(rng, rng.randint(8, 20))
        elif kind == 1:  # many lapses
            plan = random_plan(rng, rng.randint(10, 20), weights=(3, 2, 4, 1))
        elif kind == 2:  # long, on time, stability into the thousands of days
            plan = random_plan(rng, rng.randint(18, 30), weights=(1, 1, 8, 3), timings=["due"] * 5 + ["jitter", "late"])
        else:  # off schedule: early, late, the same day
            plan = random_plan(rng, rng.randint(10, 18), timings=["early", "late", "same_day", "jitter", "years"])
        s = settings(retention=[0.9, 0.9, 0.8, 0.95][i % 4 if i >= 20 else 0], maximum=365 if i % 10 == 7 else 36500)
        t0 = start + timedelta(days=rng.randrange(400), seconds=rng.randrange(DAY))
        sequences.append(run(f"random {i}", s, t0, plan, rng))

    fuzzed = []
    for i in range(12):
        s = settings(maximum=365 if i % 3 == 2 else 36500, fuzz=True)
        plan = random_plan(rng, rng.randint(10, 20), weights=(1, 1, 6, 2), timings=["due"] * 4 + ["late", "early"])
        # Some factors at the ends of [0, 1), some that land exactly on half a day.
        factors = [rng.choice([0.0, 0.9999999, 0.5, 0.25, 0.75]) if rng.random() < 0.3 else rng.random() for _ in plan]
        t0 = start + timedelta(days=rng.randrange(400), seconds=rng.randrange(DAY))
        fuzzed.append(run(f"fuzzed {i}", s, t0, plan, rng, factors))

    doc = {
        "about": "Expected FSRS schedules, made by py-fsrs "
        + EXPECTED_VERSION
        + " with `PYTHONPATH=<py-fsrs> python3 scripts/fsrs-vectors.py`; default parameters.",
        "py_fsrs_version": EXPECTED_VERSION,
        "seed": SEED,
        "parameters": list(fsrs_scheduler.DEFAULT_PARAMETERS),
        "sequences": sequences,
        "fuzzed": fuzzed,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(dumps(doc))
    steps = sum(len(q["steps"]) for q in sequences + fuzzed)
    print(f"{len(sequences)} sequences, {len(fuzzed)} fuzzed, {steps} reviews -> {os.path.normpath(OUT)}")


def dumps(doc):
    """JSON with one review per line: readable in a diff, not too long."""
    def seq(q):
        head = json.dumps({k: v for k, v in q.items() if k != "steps"})[:-1]
        rows = ",\n".join("    " + json.dumps(step) for step in q["steps"])
        return "  " + head + ', "steps": [\n' + rows + "\n  ]}"

    parts = [json.dumps({k: v for k, v in doc.items() if k not in ("sequences", "fuzzed")})[:-1]]
    for key in ("sequences", "fuzzed"):
        parts.append(f', "{key}": [\n' + ",\n".join(seq(q) for q in doc[key]) + "\n]")
    return "".join(parts) + "}\n"


if __name__ == "__main__":
    main()
