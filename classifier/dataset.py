"""Reading labelled CSV files and label maps, with one-line errors for every kind of bad input."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from classifier.errors import InputError

Example = tuple[str, str]  # (label, text)

# Long e-mails and pasted petitions exceed the csv module's default 128 KB field limit.
csv.field_size_limit(16 * 1024 * 1024)


def _read_text(path: str | Path) -> str:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, expected a CSV file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 (bad byte at offset {exc.start}); save the file as UTF-8") from None
    if not text.strip():
        raise InputError(f"{p}: file is empty")
    return text


def read_labelled_csv(path: str | Path, text_col: str = "text", label_col: str = "label") -> list[Example]:
    """Rows as (label, text). Rows with an empty text or label are skipped (counted, not fatal)."""
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        missing = [c for c in (text_col, label_col) if c not in header]
        if missing:
            raise InputError(
                f"{path}: missing column {', '.join(repr(m) for m in missing)}; "
                f"columns are: {', '.join(header) or '(none)'}"
            )
        rows = []
        for rec in reader:
            label = (rec.get(label_col) or "").strip()
            body = (rec.get(text_col) or "").strip()
            if label and body:
                rows.append((label, body))
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV at line {reader.line_num}: {exc}") from None
    if not rows:
        raise InputError(f"{path}: no rows with both {label_col!r} and {text_col!r} filled in")
    return rows


def read_label_map(path: str | Path) -> dict[str, str]:
    """Two-column CSV (source,target) mapping a dataset's labels onto taxonomy codes."""
    text = _read_text(path)
    mapping: dict[str, str] = {}
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header or len(header) < 2:
            raise InputError(f"{path}: label map needs two columns: source,target")
        for row in reader:
            if len(row) >= 2 and row[0].strip() and row[1].strip():
                mapping[row[0].strip()] = row[1].strip()
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV: {exc}") from None
    if not mapping:
        raise InputError(f"{path}: label map has no rows")
    return mapping


def apply_label_map(rows: Iterable[Example], mapping: dict[str, str]) -> list[Example]:
    return [(mapping.get(label, label), text) for label, text in rows]


def require_two_labels(rows: list[Example], what: str = "training data") -> Counter[str]:
    counts = Counter(label for label, _ in rows)
    if len(counts) < 2:
        only = next(iter(counts), "")
        raise InputError(f"{what} has only one label ({only!r}); need at least two to train a classifier")
    return counts


def data_hash(rows: Iterable[Example]) -> str:
    """Order-independent fingerprint of a training set."""
    h = hashlib.sha256()
    for line in sorted(f"{label}\t{text}" for label, text in rows):
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
