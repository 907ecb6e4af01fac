"""Configurable column mapping: which file header feeds which hub field, and how values are read.

A mapping is a YAML file (see ``default_mappings/``)::

    kind: cimer
    timezone: Europe/Istanbul
    date_formats: ["dd.MM.yyyy HH:mm:ss", "dd.MM.yyyy HH:mm", "dd.MM.yyyy", iso, excel_serial]
    required_any: [[text, subject]]        # at least one column of each group must exist
    fields:
      external_id: {aliases: ["Başvuru No", "Başvuru Numarası"], required: true}
      received_at: {aliases: ["Başvuru Tarihi", "Tarih"], required: true, type: datetime}
      request_type:
        aliases: ["Başvuru Türü", "Tür"]
        values: {"İstek": istek, "Şikâyet": sikayet}
      applicant_tckn: {aliases: ["TC Kimlik No"], pii: tckn}

Headers and value-map keys are compared folded (Turkish-aware lower case, ASCII, no spaces or
punctuation), so "Başvuru No", "BASVURU_NO" and "başvuru-no" are the same header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from connectors.imports.tabular import Column, Row, Table, TableStream, is_blank
from connectors.imports.textfold import fold

DEFAULT_MAPPING_DIR = Path(__file__).with_name("default_mappings")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serial days accepted as dates: 1954-10-03 .. 2119-01-10; anything else is a plain number.
_SERIAL_RANGE = (20000.0, 80000.0)
_DATE_TOKENS = [
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
]
_PAREN = re.compile(r"\([^)]*\)")
_IDENTIFIER_FIELDS = frozenset({"external_id", "call_id"})


class ImportRejected(Exception):
    """The whole file is refused (unreadable, or required columns missing). Nothing was imported."""

    def __init__(
        self, message: str, *, missing: list[str] | None = None, found: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.missing = missing or []
        self.found = found or []


class MappingError(Exception):
    """A mapping file is invalid (raised when it is loaded, not per import)."""


@dataclass(slots=True)
class FieldSpec:
    name: str
    aliases: list[str]
    required: bool = False
    type: str = "text"  # text | datetime | time
    values: dict[str, str] | None = None  # folded source value -> hub value
    pii: str | None = None  # "tckn": masked wherever it appears
    default: str | None = None  # used when the column is absent or the cell is empty
    # Mask TCKN-like numbers inside the value. Off for identifiers: an 11-digit başvuru no can
    # pass the TCKN checksum by chance (1 in 100) and must stay intact.
    scrub: bool = True
    folded_aliases: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.folded_aliases = frozenset(f for f in (fold(a) for a in [*self.aliases, self.name]) if f)


@dataclass(slots=True)
class Mapping:
    kind: str
    fields: dict[str, FieldSpec]
    date_formats: list[str] = field(
        default_factory=lambda: ["dd.MM.yyyy HH:mm", "dd.MM.yyyy", "iso", "excel_serial"]
    )
    timezone: str = "Europe/Istanbul"
    required_any: list[list[str]] = field(default_factory=list)

    # ---------------------------------------------------------------- loading

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise MappingError("mapping must be a mapping with a 'fields' section")
        fields: dict[str, FieldSpec] = {}
        for name, spec in data["fields"].items():
            spec = spec or {}
            if isinstance(spec, list):
                spec = {"aliases": spec}
            values = spec.get("values")
            if values is not None and not isinstance(values, dict):
                raise MappingError(f"field {name}: 'values' must be a mapping")
            fields[name] = FieldSpec(
                name=name,
                aliases=[str(a) for a in spec.get("aliases", [])],
                required=bool(spec.get("required", False)),
                type=str(spec.get("type", "text")),
                values={fold(k): str(v) for k, v in values.items()} if values else None,
                pii=spec.get("pii"),
                default=spec.get("default"),
                scrub=bool(spec.get("scrub", name not in _IDENTIFIER_FIELDS)),
            )
        required_any = [list(g) for g in data.get("required_any", [])]
        for group in required_any:
            for name in group:
                if name not in fields:
                    raise MappingError(f"required_any names unknown field {name!r}")
        mapping = cls(kind=str(data.get("kind", "")), fields=fields, required_any=required_any)
        if "date_formats" in data:
            mapping.date_formats = [str(f) for f in data["date_formats"]]
        if "timezone" in data:
            mapping.timezone = str(data["timezone"])
        try:
            ZoneInfo(mapping.timezone)
        except Exception as exc:
            raise MappingError(f"unknown timezone {mapping.timezone!r}") from exc
        return mapping

    @classmethod
    def from_yaml(cls, path: Path) -> Mapping:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise MappingError(f"cannot read mapping {path}: {exc}") from exc
        return cls.from_dict(data)

    # ---------------------------------------------------------------- headers

    def header_score(self, text: str) -> int:
        """1 if a header text matches any alias (used to find the header row)."""
        return int(
            any(f in spec.folded_aliases for f in _header_forms(text) for spec in self.fields.values())
        )

    def bind(self, table: Table | TableStream) -> Binding:
        """Match the table's columns to fields; refuse the file if required columns are missing."""
        bound: dict[str, Column] = {}
        used: set[int] = set()
        depth = max((len(c.names) for c in table.columns), default=0)
        # Pass 0 tries each column's most specific name ("Başvuran TC Kimlik No"), later passes
        # the sub-header alone, then the group name, so a group label cannot steal a column.
        for level in range(depth):
            for col in table.columns:
                if col.index in used or level >= len(col.names):
                    continue
                forms = _header_forms(col.names[level])
                for spec in self.fields.values():
                    if spec.name not in bound and forms & spec.folded_aliases:
                        bound[spec.name] = col
                        used.add(col.index)
                        break
        found = [c.label for c in table.columns if c.names]
        missing = [
            s for s in self.fields.values() if s.required and s.name not in bound and s.default is None
        ]
        missing_groups = [g for g in self.required_any if not any(n in bound for n in g)]
        if missing or missing_groups:
            wanted = [_describe(s) for s in missing] + [
                " ya da ".join(_describe(self.fields[n]) for n in g) for g in missing_groups
            ]
            shown = [f if len(f) <= 40 else f[:39] + "…" for f in found[:30]]
            if len(found) > 30:
                shown.append(f"… (+{len(found) - 30})")
            raise ImportRejected(
                f"Dosyada gerekli sütunlar bulunamadı: {'; '.join(wanted)}. "
                f"Dosyadaki sütunlar: {', '.join(shown) if shown else '(başlık yok)'}.",
                missing=wanted,
                found=found,
            )
        unmapped = [c for c in table.columns if c.index not in used and c.names]
        return Binding(mapping=self, columns=bound, unmapped=unmapped, all_columns=table.columns)

    # ---------------------------------------------------------------- values

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.timezone)

    def parse_datetime(self, value: Any) -> datetime:
        """Parse a cell into an aware datetime; naive values are local time of the mapping's zone."""
        tz = self.tz
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=tz)
        if isinstance(value, date):
            return datetime.combine(value, time(), tzinfo=tz)
        allow_serial = "excel_serial" in self.date_formats
        if isinstance(value, int | float) and not isinstance(value, bool):
            if allow_serial and _SERIAL_RANGE[0] <= float(value) <= _SERIAL_RANGE[1]:
                return (_EXCEL_EPOCH + timedelta(days=float(value))).replace(tzinfo=tz)
            raise ValueError(f"tarih okunamadı: {value!r}")
        text = " ".join(str(value).split())
        for fmt in self.date_formats:
            if fmt == "excel_serial":
                try:
                    number = float(text.replace(",", "."))
                except ValueError:
                    continue
                if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
                    return (_EXCEL_EPOCH + timedelta(days=number)).replace(microsecond=0, tzinfo=tz)
                continue
            if fmt.lower() == "iso":
                try:
                    parsed = datetime.fromisoformat(text)
                except ValueError:
                    continue
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
            try:
                if not _format_shape(fmt).fullmatch(text):
                    continue  # cheap refusal: a failing strptime costs ~10x a regex match
                return datetime.strptime(text, _strptime_format(fmt)).replace(tzinfo=tz)
            except ValueError:
                continue
        shown = ", ".join(f for f in self.date_formats)
        raise ValueError(f"tarih okunamadı: '{text}' (beklenen biçimler: {shown})")

    def map_value(self, name: str, value: Any) -> str | None:
        """Translate a coded value through the field's value map; unknown values raise ValueError."""
        spec = self.fields[name]
        if is_blank(value):
            return spec.default
        if not spec.values:
            return str(value).strip()
        key = fold(value)
        if key in spec.values:
            return spec.values[key]
        raise ValueError(f"bilinmeyen değer: '{str(value).strip()}'")


@dataclass(slots=True)
class Binding:
    """A mapping applied to one table: field name -> column."""

    mapping: Mapping
    columns: dict[str, Column]
    unmapped: list[Column]
    all_columns: list[Column]

    def cell(self, row: Row, name: str) -> Any:
        col = self.columns.get(name)
        value = row.get(col.index) if col is not None else None
        if is_blank(value):
            return self.mapping.fields[name].default if name in self.mapping.fields else None
        return value.strip() if isinstance(value, str) else value

    def label(self, name: str) -> str | None:
        col = self.columns.get(name)
        return col.label if col is not None else None

    def pii_columns(self, kind: str) -> set[int]:
        return {c.index for n, c in self.columns.items() if self.mapping.fields[n].pii == kind}

    def unscrubbed_columns(self) -> set[int]:
        return {c.index for n, c in self.columns.items() if not self.mapping.fields[n].scrub}


def _header_forms(text: str) -> set[str]:
    """Folded forms of a header: as written, and without parenthesised notes."""
    forms = {fold(text), fold(_PAREN.sub(" ", text))}
    forms.discard("")
    return forms


def _describe(spec: FieldSpec) -> str:
    return spec.aliases[0] if spec.aliases else spec.name


@cache
def _strptime_format(fmt: str) -> str:
    out, i = [], 0
    while i < len(fmt):
        for token, code in _DATE_TOKENS:
            if fmt.startswith(token, i):
                out.append(code)
                i += len(token)
                break
        else:
            out.append("%%" if fmt[i] == "%" else fmt[i])
            i += 1
    return "".join(out)


_TOKEN_SHAPES = {"yyyy": r"\d{4}", "yy": r"\d{2}"}


@cache
def _format_shape(fmt: str) -> re.Pattern[str]:
    """A regex that every text strptime could accept for ``fmt`` matches (digits where the
    tokens are, any run of spaces for a space, other characters as written)."""
    out, i = [], 0
    while i < len(fmt):
        for token, _ in _DATE_TOKENS:
            if fmt.startswith(token, i):
                out.append(_TOKEN_SHAPES.get(token, r"\d{1,2}"))
                i += len(token)
                break
        else:
            out.append(r"\s+" if fmt[i] == " " else re.escape(fmt[i]))
            i += 1
    return re.compile("".join(out))


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def _load_default(kind: str) -> Mapping:
    path = DEFAULT_MAPPING_DIR / f"{kind}.yaml"
    if not path.exists():
        raise MappingError(f"no default mapping for kind {kind!r}")
    return Mapping.from_yaml(path)


def default_mapping(kind: str) -> Mapping:
    """The documented default mapping for ``cimer``, ``mbs`` or ``calllog``."""
    return _load_default(kind)


def load_mapping(path: Path) -> Mapping:
    return Mapping.from_yaml(path)
