"""Calibrates the near-duplicate thresholds (`steplibrary.similar`) on the judged corpus:
`python -m bench.similar [--size N]` (PostgreSQL; DATABASE_URL). Only a temporary table is written.

Every generated step knows its task and the service, user or domain it is about
(`bench/corpus.py`). Two steps are near-duplicates when they share both (the same step as
another team phrases it, or for another host: "Restart nginx", "Restart the nginx service"),
and not when either differs ("Restart nginx" / "Restart redis", "Stop nginx" / "Start
nginx"). Over every pair of distinct steps whose titles pg_trgm puts within reach (`%`,
similarity ≥ 0.3), it prints precision and recall of "title similarity ≥ a and search-text
similarity ≥ b" (both `similarity()` of lower-cased text; the search text is what the
library stores: title, instructions, help, section, commands) over a grid of a and b. Titles
alone cannot tell "Add a new user account" for bob from the one for alice; the whole text can.
The shipped pair is the one with the best recall among those with precision ≥ TARGET_PRECISION:
a suggestion must nearly always be the same step, or authors learn to ignore it.
"""

import argparse
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

TARGET_PRECISION = 0.9
TITLE_THRESHOLDS = [0.3, 0.5, 0.7]  # 0.3: every pair within reach
TEXT_THRESHOLDS = [0.75, 0.8, 0.85, 0.9]


def search_text_of(step) -> str:
    """The text the library stores for this step once published (`build_search_text`)."""
    from bench.corpus import section_of
    from steplibrary.models import build_search_text

    node = step.node
    content = {
        "instructions": node["description"],
        "help_text": node.get("expected_outcome"),
        "commands": [{"label": "", "command": command["code"]} for command in node["commands"]],
        "group_label": section_of(step.task),
    }
    return build_search_text(node["title"], content)


def labelled_steps(size: int) -> list[tuple[str, str, str, str]]:
    """Distinct (title, search text, task, param) of the generated library."""
    from bench.corpus import generate

    return sorted(
        {(s.node["title"].lower(), search_text_of(s), s.task, s.param or "") for s in generate(size)}
    )


def pair_similarities(steps: list[tuple[str, str, str, str]]) -> list[tuple[float, float, bool]]:
    """(title similarity, text similarity, same step) for every pair within pg_trgm's reach."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE calib (id int, title text, body text, task text, param text)")
        cursor.executemany(
            "INSERT INTO calib VALUES (%s, %s, %s, %s, %s)",
            [(index, *row) for index, row in enumerate(steps)],
        )
        cursor.execute(
            "SELECT similarity(a.title, b.title), similarity(a.body, b.body), "
            "a.task = b.task AND a.param = b.param "
            "FROM calib a JOIN calib b ON a.id < b.id AND a.title % b.title"
        )
        pairs = cursor.fetchall()
        cursor.execute("DROP TABLE calib")
    return pairs


def grid(pairs: list[tuple[float, float, bool]]) -> list[dict]:
    positives = sum(1 for *_, same in pairs if same) or 1
    rows = []
    for title_min in TITLE_THRESHOLDS:
        for text_min in TEXT_THRESHOLDS:
            flagged = [same for title, text, same in pairs if title >= title_min and text >= text_min]
            hits = sum(flagged)
            rows.append(
                {
                    "title": title_min,
                    "text": text_min,
                    "flagged": len(flagged),
                    "precision": hits / len(flagged) if flagged else 1.0,
                    "recall": hits / positives,
                }
            )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=5000, help="generated steps (distinct ones are compared)")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.db import connection

    from steplibrary.similar import TEXT_THRESHOLD, TITLE_THRESHOLD

    if connection.vendor != "postgresql":
        print("bench.similar needs PostgreSQL (pg_trgm): set DATABASE_URL", file=sys.stderr)
        return 2
    steps = labelled_steps(args.size)
    rows = grid(pair_similarities(steps))
    print(f"{len(steps)} distinct steps")
    print("| title ≥ | text ≥ | pairs flagged | precision | recall |")
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        mark = " ← shipped" if (row["title"], row["text"]) == (TITLE_THRESHOLD, TEXT_THRESHOLD) else ""
        print(
            f"| {row['title']:.2f} | {row['text']:.2f} | {row['flagged']} | "
            f"{row['precision']:.3f} | {row['recall']:.3f} |{mark}"
        )
    good = [row for row in rows if row["precision"] >= TARGET_PRECISION]
    best = max(good, key=lambda row: (row["recall"], row["precision"]), default=None)
    print(
        f"best recall with precision ≥ {TARGET_PRECISION}: "
        + (f"title ≥ {best['title']}, text ≥ {best['text']}" if best else "none")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
