"""Load the editable topic / request-type taxonomy (classifier/data/taxonomy.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from classifier.errors import InputError

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_TAXONOMY = DATA_DIR / "taxonomy.yaml"


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    description: str = ""
    out_of_scope: bool = False
    review_threshold: float | None = None


@dataclass(frozen=True)
class RequestType:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    version: int
    review_threshold: float
    type_review_threshold: float
    topics: dict[str, Topic] = field(default_factory=dict)
    types: dict[str, RequestType] = field(default_factory=dict)

    def topic_name(self, code: str) -> str:
        topic = self.topics.get(code)
        return topic.name if topic else code

    def is_out_of_scope(self, code: str) -> bool:
        topic = self.topics.get(code)
        return topic.out_of_scope if topic else code == "out_of_scope"

    def threshold_for(self, code: str) -> float:
        topic = self.topics.get(code)
        if topic and topic.review_threshold is not None:
            return topic.review_threshold
        return self.review_threshold

    @property
    def fallback_topic(self) -> str:
        return "diger" if "diger" in self.topics else next(iter(self.topics))


def _threshold(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"taxonomy: {what} must be a number, got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise InputError(f"taxonomy: {what} must be between 0 and 1, got {number}")
    return number


def parse_taxonomy(raw: object) -> Taxonomy:
    if not isinstance(raw, dict):
        raise InputError("taxonomy: top level must be a mapping")
    topics: dict[str, Topic] = {}
    for item in raw.get("topics") or []:
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            raise InputError(f"taxonomy: every topic needs code and name, got {item!r}")
        code = str(item["code"])
        if not code.isascii() or code in topics:
            raise InputError(f"taxonomy: topic code {code!r} must be ASCII and unique")
        thr = item.get("review_threshold")
        topics[code] = Topic(
            code=code,
            name=str(item["name"]),
            description=str(item.get("description", "")),
            out_of_scope=bool(item.get("out_of_scope", False)),
            review_threshold=None if thr is None else _threshold(thr, f"{code}.review_threshold"),
        )
    types: dict[str, RequestType] = {}
    for item in raw.get("types") or []:
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            raise InputError(f"taxonomy: every type needs code and name, got {item!r}")
        types[str(item["code"])] = RequestType(
            str(item["code"]), str(item["name"]), str(item.get("description", ""))
        )
    if not topics:
        raise InputError("taxonomy: no topics defined")
    return Taxonomy(
        version=int(raw.get("version", 1)),
        review_threshold=_threshold(raw.get("review_threshold", 0.55), "review_threshold"),
        type_review_threshold=_threshold(raw.get("type_review_threshold", 0.5), "type_review_threshold"),
        topics=topics,
        types=types,
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    p = Path(path) if path else DEFAULT_TAXONOMY
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"taxonomy file not found: {p}") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"taxonomy file {p} is not valid UTF-8 YAML: {exc.__class__.__name__}") from None
    return parse_taxonomy(raw)


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_TAXONOMY)
