"""Chart specifications for /ui/panolar: each is what the page's own script draws (labels,
series, kind) and the same figures as a table, so every chart has its numbers beside it and
the page still reads when the chart library is missing. Turkish labels and number formats."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hub.dashboards import AGE_BUCKETS, OTHER
from hub.ui import labels

MONTHS = (
    "Ocak",
    "Şubat",
    "Mart",
    "Nisan",
    "Mayıs",
    "Haziran",
    "Temmuz",
    "Ağustos",
    "Eylül",
    "Ekim",
    "Kasım",
    "Aralık",
)
DEADLINE_STATES = (
    ("gecikmis", "Süresi geçen"), ("riskli", "Süresi dolmak üzere"), ("zamaninda", "Süresi var"),
    ("bekletilen", "Vatandaştan bilgi bekleniyor"), ("suresiz", "Süresiz"),
)  # fmt: skip
AGE_LABELS = dict(zip(AGE_BUCKETS, ("1 günden az", "1–3 gün", "3–7 gün", "7 günden çok"), strict=True))
FIELD_LABELS = {"topic": "Konu", "request_type": "Başvuru türü", "mahalle": "Mahalle"}
TOP_MAHALLE = 15  # bars in the ranked needs chart (the table lists more)
TOP_AGENTS = 15
TOP_MONTHLY = 6  # departments drawn per month (by volume); the table has them all
_NUMBER = re.compile(r"^(%?[\d.]+(,\d+)?|—)$")  # a formatted figure: right-aligned in tables


# -- formats ---------------------------------------------------------------------------------------
def num(value: float | int | None, digits: int = 1) -> str:
    """A number the Turkish way (decimal comma, dot for thousands); "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def pct(fraction: float | None) -> str:
    """A fraction as a Turkish percentage: 0.875 → "%87,5" ("%" before the number)."""
    return "—" if fraction is None else "%" + num(round(fraction * 100, 1))


def pct_value(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


def day_label(iso: str, with_year: bool = False) -> str:
    d = date.fromisoformat(iso)
    return d.strftime("%d.%m.%Y" if with_year else "%d.%m")


def month_label(month: str) -> str:
    year, m = month.split("-")
    return f"{MONTHS[int(m) - 1]} {year}"


def channel_name(code: str) -> str:
    return (
        "Diğer kanallar"
        if code == OTHER
        else labels.label(labels.CHANNEL, code)
        if code
        else "Kanalı belirsiz"
    )


def topic_label(code: str | None) -> str:
    return "Diğer konular" if code == OTHER else labels.topic_name(code) if code else "Konusu belirsiz"


def _chart(cid: str, kind: str, labels_: list[str], series: list[dict[str, Any]], *, head: list[str],
           rows: list[list[str]], unit: str = "talep", stacked: bool = False, percent: bool = False,
           empty: bool = False) -> dict[str, Any]:  # fmt: skip
    numeric = [i > 0 and all(_NUMBER.match(r[i]) for r in rows) for i in range(len(head))]
    return {"id": cid, "kind": kind, "labels": labels_, "series": series, "unit": unit, "stacked": stacked,
            "percent": percent, "empty": empty, "table": {"head": head, "rows": rows, "numeric": numeric}}  # fmt: skip


# -- charts ----------------------------------------------------------------------------------------
def intake_chart(cid: str, result: dict[str, Any], name: Any) -> dict[str, Any]:
    """Requests per day, one line per channel or topic (``name`` labels a key)."""
    series = [{"label": name(s["key"]), "values": s["values"]} for s in result["series"]]
    head = ["Gün", *(s["label"] for s in series), "Toplam"]
    rows = []
    for i, day in enumerate(result["days"]):
        values = [s["values"][i] for s in series]
        rows.append([day_label(day, with_year=True), *(num(v) for v in values), num(sum(values))])
    rows.append(["Toplam", *(num(s["total"]) for s in result["series"]), num(result["total"])])
    return _chart(cid, "line", [day_label(d) for d in result["days"]], series, head=head, rows=rows,
                  empty=not result["total"])  # fmt: skip


def deadlines_chart(rows_in: list[dict[str, Any]], dept_name: Any) -> dict[str, Any]:
    """Open requests per department, stacked by deadline state (overdue first)."""
    names = [dept_name(r["department"]) for r in rows_in]
    series = [{"label": label, "values": [r[key] for r in rows_in]} for key, label in DEADLINE_STATES]
    head = ["Birim", "Açık", *(label for _, label in DEADLINE_STATES)]
    rows = [
        [n, num(r["acik"]), *(num(r[key]) for key, _ in DEADLINE_STATES)]
        for n, r in zip(names, rows_in, strict=True)
    ]
    return _chart("sure-durumu", "hbar", names, series, head=head, rows=rows, stacked=True, empty=not rows_in)


def needs_chart(result: dict[str, Any]) -> dict[str, Any]:
    """The ranked mahalle: the largest need and the rest of each mahalle's requests."""
    top = result["rows"][:TOP_MAHALLE]
    bars = [f"{r['mahalle']} ({r['ilce'] or '?'}) · {topic_label(r['needs'][0]['topic'])}" for r in top]
    series = [
        {"label": "En büyük ihtiyaç", "values": [r["needs"][0]["count"] for r in top]},
        {"label": "Diğer konular", "values": [r["total"] - r["needs"][0]["count"] for r in top]},
    ]
    head = ["Sıra", "Mahalle", "İlçe", "Talep", "1. ihtiyaç", "2. ihtiyaç", "3. ihtiyaç", "Diğer"]
    rows = []
    for i, r in enumerate(result["rows"], 1):
        needs = [f"{topic_label(n['topic'])}: {num(n['count'])} ({pct(n['share'])})" for n in r["needs"]]
        needs += ["—"] * (3 - len(needs))
        rows.append([str(i), r["mahalle"], r["ilce"] or "—", num(r["total"]), *needs[:3], num(r["other"])])
    return _chart("mahalle-ihtiyac", "hbar", bars, series, head=head, rows=rows, stacked=True, empty=not top)


def workload_chart(result: list[dict[str, Any]]) -> dict[str, Any]:
    top = result[:TOP_AGENTS]
    series = [
        {"label": "İşlenen talep", "values": [r["handled"] for r in top]},
        {"label": "İlk temasta çözülen", "values": [r["first_contact"] for r in top]},
        {"label": "Geri arama", "values": [r["callbacks"] for r in top]},
    ]
    head = ["Personel", "İşlenen talep", "İlk temasta çözülen", "Geri arama", "Ulaşılan"]
    rows = [
        [r["name"], num(r["handled"]), num(r["first_contact"]), num(r["callbacks"]), num(r["reached"])]
        for r in result
    ]
    return _chart(
        "temsilci-is", "hbar", [r["name"] for r in top], series, head=head, rows=rows, empty=not top
    )


def review_chart(result: dict[str, Any]) -> dict[str, Any]:
    names = [AGE_LABELS[b] for b in AGE_BUCKETS]
    series = [{"label": "İnceleme bekleyen", "values": [result["by_age"][b] for b in AGE_BUCKETS]}]
    rows = [[n, num(result["by_age"][b])] for n, b in zip(names, AGE_BUCKETS, strict=True)]
    rows.append(["Toplam", num(result["total"])])
    return _chart("inceleme-kuyrugu", "bar", names, series, head=["Bekleme süresi", "Talep"], rows=rows,
                  empty=not result["total"])  # fmt: skip


def accuracy_chart(result: dict[str, Any]) -> dict[str, Any]:
    fields = result["fields"]
    names = [FIELD_LABELS.get(f["field"], f["field"]) for f in fields]
    series = [{"label": "Doğru tahmin", "values": [pct_value(f["accuracy"]) for f in fields]}]
    head = ["Alan", "Düzeltilen talep", "Tahmin doğru", "Değiştirildi", "Doğruluk"]
    rows = [[n, num(f["reviewed"]), num(f["right"]), num(f["corrected"]), pct(f["accuracy"])]
            for n, f in zip(names, fields, strict=True)]  # fmt: skip
    return _chart("siniflandirici", "bar", names, series, head=head, rows=rows, unit="%", percent=True,
                  empty=not result["reviewed"])  # fmt: skip


def correction_label(field: str, value: str | None) -> str:
    if value is None:
        return "(boş)"
    if field == "topic":
        return labels.topic_name(value)
    if field == "request_type":
        return labels.label(labels.REQUEST_TYPE, value)
    return value


# -- department performance (hub.reports.department_performance) -------------------------------------
def performance_charts(
    overall: list[dict[str, Any]], monthly: list[dict[str, Any]], dept_name: Any
) -> list[dict[str, Any]]:
    """On-time rate and median hours to answer per department, and both per month for the
    departments with the most requests."""
    rows_in = [r for r in overall if r["volume"]]
    names = [dept_name(r["department"]) for r in rows_in]
    head = ["Birim", "Talep", "Cevaplanan", "Zamanında", "Geç", "Zamanında oranı", "Medyan (saat)", "%90 (saat)",
            "Yeniden açılan"]  # fmt: skip
    table = [[n, num(r["volume"]), num(r["answered"]), num(r["on_time"]), num(r["late"]), pct(r["on_time_rate"]),
              num(r["median_hours"]), num(r["p90_hours"]), num(r["reopened"])] for n, r in zip(names, rows_in, strict=True)]  # fmt: skip
    # bars only where there is a figure, the slowest / least on time on top; the table has every department
    rated = sorted((r for r in rows_in if r["on_time_rate"] is not None), key=lambda r: r["on_time_rate"])
    timed = sorted((r for r in rows_in if r["median_hours"] is not None), key=lambda r: -r["median_hours"])
    rate = _chart("zamaninda-birim", "hbar", [dept_name(r["department"]) for r in rated],
                  [{"label": "Zamanında cevap oranı", "values": [pct_value(r["on_time_rate"]) for r in rated]}],
                  head=head, rows=table, unit="%", percent=True, empty=not rated)  # fmt: skip
    median = _chart("medyan-birim", "hbar", [dept_name(r["department"]) for r in timed],
                    [{"label": "Medyan cevap süresi (saat)", "values": [r["median_hours"] for r in timed]}],
                    head=head, rows=table, unit="saat", empty=not timed)  # fmt: skip
    volume = {r["department"]: r["volume"] for r in rows_in}
    depts = sorted(volume, key=lambda d: (-volume[d], dept_name(d)))[:TOP_MONTHLY]
    months = sorted({r["month"] for r in monthly})
    cell = {(r["department"], r["month"]): r for r in monthly}

    def by_month(key: str, convert: Any) -> list[dict[str, Any]]:
        return [{"label": dept_name(d), "values": [convert(cell[(d, m)][key]) if (d, m) in cell else None for m in months]}
                for d in depts]  # fmt: skip

    month_head = ["Ay", "Birim", "Talep", "Zamanında oranı", "Medyan (saat)", "%90 (saat)"]
    month_rows = [[month_label(r["month"]), dept_name(r["department"]), num(r["volume"]), pct(r["on_time_rate"]),
                   num(r["median_hours"]), num(r["p90_hours"])]
                  for r in sorted(monthly, key=lambda r: (r["month"], dept_name(r["department"])))]  # fmt: skip
    labels_ = [month_label(m) for m in months]
    rate_m = _chart("zamaninda-ay", "line", labels_, by_month("on_time_rate", pct_value), head=month_head,
                    rows=month_rows, unit="%", percent=True, empty=not monthly)  # fmt: skip
    median_m = _chart("medyan-ay", "line", labels_, by_month("median_hours", lambda v: v), head=month_head,
                      rows=month_rows, unit="saat", empty=not monthly)  # fmt: skip
    return [rate, median, rate_m, median_m]
