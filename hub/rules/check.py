"""`rules check`: validate a rule file without activating it."""

from __future__ import annotations

from pathlib import Path

from .engine import RuleSet
from .errors import RulesError


def check_file(
    path: str | Path,
    *,
    known_topics: set[str] | None = None,
    known_mahalle: set[tuple[str, str]] | None = None,
) -> tuple[int, str]:
    """(0, summary) when the file is valid, (2, one error per line) when it is not."""
    p = Path(path)
    try:
        rules = RuleSet.from_file(p, source=str(p), known_topics=known_topics, known_mahalle=known_mahalle)
    except RulesError as exc:
        n = len(exc.errors)
        return 2, exc.format() + f"\n{n} hata; kurallar etkinleştirilmedi."
    return 0, rules.summary()


def main(argv: list[str] | None = None) -> int:
    """`python -m hub.rules [routing_rules.yaml] [--gazetteer kayseri_mahalle.csv]`; exit 0 or 2."""
    import argparse

    from .gazetteer import known_mahalle, read_gazetteer

    ap = argparse.ArgumentParser(prog="python -m hub.rules", description="Validate a routing rule file.")
    ap.add_argument("path", nargs="?", default="routing_rules.yaml")
    ap.add_argument("--gazetteer", help="NVİ mahalle CSV to check ilçe/mahalle names against")
    args = ap.parse_args(argv)
    places = None
    if args.gazetteer:
        try:
            places = known_mahalle(read_gazetteer(args.gazetteer))
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            print(f"cannot read gazetteer {args.gazetteer}: {exc}")
            return 2
    code, text = check_file(args.path, known_mahalle=places)
    print(text)
    return code
