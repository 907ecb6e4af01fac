"""Every report the hub offers: how it is computed and the tables its page, CSV and XLSX show.

A page, its CSV and its XLSX call the same ``build`` with the same ``ReportFilter`` and
write the same ``tables``, so they always count the same rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from hub.auth import Actor
from hub.report_filter import ReportFilter
from hub.reports import contact, deadlines, mahalle, muhtar, performance
from hub.reports.table import Col, Table

Names = dict[str, str]  # department code -> name


def _dept(code: str | None, names: Names) -> str:
    return names.get(code, code) if code else "Birimsiz"


def _type(code: str) -> str:
    from hub.ui.labels import REQUEST_TYPE

    return REQUEST_TYPE.get(code, code)


def _topic(code: str) -> str:
    from hub.ui.labels import topic_name

    return topic_name(code) if code != "belirsiz" else "Belirsiz"


# -- muhtar quarterly -----------------------------------------------------------------------
MUHTAR_COUNTS = [Col("toplam", "Toplam talep", "int"), Col("olumlu", "Olumlu", "int"),
                 Col("olumsuz", "Olumsuz", "int"), Col("iade", "İade (bizim değil)", "int"),
                 Col("bekleyen", "Bekleyen", "int"), Col("cevaplanan", "Cevaplanan", "int")]  # fmt: skip


def _counts(c: dict[str, int]) -> list[int]:
    return [c.get(col.key, 0) for col in MUHTAR_COUNTS]


def muhtar_tables(data: dict[str, Any], names: Names) -> list[Table]:
    quarters = data.get("quarters") or {data.get("quarter", ""): data}
    q_col = Col("donem", "Dönem")
    summary = Table("ozet", "Özet", [q_col, *MUHTAR_COUNTS])
    by_ilce = Table("ilce", "İlçe", [q_col, Col("ilce", "İlçe"), *MUHTAR_COUNTS])
    by_mahalle = Table(
        "mahalle", "Mahalle", [q_col, Col("ilce", "İlçe"), Col("mahalle", "Mahalle"), *MUHTAR_COUNTS]
    )
    by_dept = Table("birim", "Birim", [q_col, Col("birim", "Birim"), *MUHTAR_COUNTS])
    by_type = Table("tur", "Tür", [q_col, Col("tur", "Talep türü"), *MUHTAR_COUNTS])
    for q, part in quarters.items():
        summary.add([q, *_counts(part["totals"])])
        for ilce, c in part.get("by_ilce", {}).items():
            by_ilce.add([q, ilce, *_counts(c)])
        for m in part.get("by_mahalle", []):
            by_mahalle.add([q, m["ilce"], m["mahalle"], *_counts(m)])
        for code, c in sorted(
            part.get("by_department", {}).items(), key=lambda kv: _dept(kv[0], names).casefold()
        ):
            by_dept.add([q, _dept(code, names), *_counts(c)])
        for t, c in part.get("by_type", {}).items():
            by_type.add([q, _type(t), *_counts(c)])
    if len(quarters) > 1:
        summary.add(["Toplam", *_counts(data["totals"])])
    return [summary, by_ilce, by_mahalle, by_dept, by_type]


# -- mahalle needs ----------------------------------------------------------------------------
def mahalle_tables(data: dict[str, Any], names: Names) -> list[Table]:
    cols = [
        Col("sira", "Sıra", "int"),
        Col("ilce", "İlçe"),
        Col("mahalle", "Mahalle"),
        Col("toplam", "Talep", "int"),
    ]
    for i in range(1, mahalle.TOP_TOPICS + 1):
        cols += [Col(f"konu{i}", f"{i}. konu"), Col(f"sayi{i}", f"{i}. konu talep", "int")]
    ranked = Table("mahalleler", "Mahalleler", cols)
    long = Table("konular", "Mahalle ve konu", [Col("ilce", "İlçe"), Col("mahalle", "Mahalle"), Col("konu", "Konu"),
                 Col("talep", "Talep", "int"), Col("pay", "Mahalledeki payı", "pct")], on_page=False)  # fmt: skip
    for item in data["items"]:
        tops: list[Any] = []
        for i in range(mahalle.TOP_TOPICS):
            t = item["top_topics"][i] if i < len(item["top_topics"]) else None
            tops += [_topic(t[0]), t[1]] if t else [None, None]
        ranked.add([item["rank"], item["ilce"], item["mahalle"], item["total"], *tops])
        for topic, n in item["topics"].items():
            long.add([item["ilce"], item["mahalle"], _topic(topic), n, n / item["total"]])
    return [ranked, long]


# -- deadlines --------------------------------------------------------------------------------
def deadline_tables(data: dict[str, Any], names: Names) -> list[Table]:
    t = Table("birimler", "Süre durumu", [
        Col("birim", "Birim"), Col("acik", "Açık", "int"), Col("gecikmis", "Süresi geçen", "int"),
        Col("riskli", "Süresi dolmak üzere", "int"), Col("zamaninda", "Zamanında", "int"),
        Col("bekletilen", "Vatandaştan bilgi bekleniyor", "int"), Col("suresiz", "Süresiz", "int"),
        Col("en_eski", "En eski geçen son tarih", "date"),
    ])  # fmt: skip
    for d in data["items"]:
        links = {}
        if d["department"]:
            links = {"acik": "/ui/?" + urlencode({"department": d["department"]})}
            if d["gecikmis"]:
                links["gecikmis"] = "/ui/?" + urlencode({"department": d["department"], "geciken": 1})
        t.add([_dept(d["department"], names), d["acik"], d["gecikmis"], d["riskli"], d["zamaninda"], d["bekletilen"],
               d["suresiz"], d["en_eski_gecikme"]], links)  # fmt: skip
    return [t]


def _deadlines(db: Any, flt: ReportFilter, actor: Actor | None) -> dict[str, Any]:
    items = deadlines.deadlines_by_department(db, actor=actor, flt=flt)
    return {"filter": {**flt.for_actor(actor).describe(), "from": None, "to": None}, "items": items}


# -- department performance -----------------------------------------------------------------
PERF_COLS = [Col("gelen", "Gelen", "int"), Col("cevaplanan", "Cevaplanan", "int"),
             Col("zamaninda", "Süresinde cevaplanan", "int"), Col("geciken", "Geciken", "int"),
             Col("suresiz", "Süresiz", "int"), Col("oran", "Süresinde cevap oranı", "pct"),
             Col("medyan", "Medyan cevap süresi (saat)", "hours"), Col("p90", "%90 cevap süresi (saat)", "hours"),
             Col("yeniden", "Yeniden açılan", "int")]  # fmt: skip


def _perf(r: dict[str, Any]) -> list[Any]:
    return [r["volume"], r["answered"], r["on_time"], r["late"], r["no_deadline"], r["on_time_rate"],
            r["median_hours"], r["p90_hours"], r["reopened"]]  # fmt: skip


def performance_tables(data: dict[str, Any], names: Names) -> list[Table]:
    depts = Table("birimler", "Birimler", [Col("birim", "Birim"), *PERF_COLS])
    for r in data["departments"]:
        depts.add([_dept(r["department"], names), *_perf(r)])
    if data["departments"]:
        depts.add(["Toplam", *_perf(data["total"])])
    months = Table("aylik", "Aylık", [Col("ay", "Ay", "month"), Col("birim", "Birim"), *PERF_COLS])
    for r in data["months"]:
        months.add([r["month"], _dept(r["department"], names), *_perf(r)])
    return [depts, months]


# -- first-contact resolutions --------------------------------------------------------------
def fcr_tables(data: dict[str, Any], names: Names) -> list[Table]:
    topics = Table("konu", "Konu", [Col("konu", "Konu"), Col("cagri", "Çağrı", "int")])
    for topic, n in data["by_topic"].items():
        topics.add([_topic(topic), n])
    agents = Table("temsilci", "Temsilci", [Col("temsilci", "Temsilci"), Col("cagri", "Çağrı", "int")])
    for who, n in data["by_agent"].items():
        agents.add([who, n])
    days = Table("gun", "Gün", [Col("tarih", "Tarih", "date"), Col("cagri", "Çağrı", "int")])
    for day, n in data["by_day"].items():
        days.add([day, n])
    return [topics, agents, days]


# -- call-backs ----------------------------------------------------------------------------------
CB_COLS = [Col("gorev", "Geri arama görevi", "int"), Col("arama", "Yapılan arama", "int"),
           Col("ulasildi", "Ulaşıldı", "int"), Col("ulasilamadi", "Ulaşılamadı", "int"),
           Col("yanlis", "Yanlış numara", "int"), Col("iptal", "İptal", "int"), Col("bekleyen", "Bekleyen", "int"),
           Col("geciken", "Zamanı geçen", "int")]  # fmt: skip


def _cb(r: dict[str, Any]) -> list[int]:
    return [r["tasks"], r["calls"], r["reached"], r["not_reached"], r["wrong_number"], r["cancelled"], r["open"],
            r["overdue"]]  # fmt: skip


def callback_tables(data: dict[str, Any], names: Names) -> list[Table]:
    median = Col("medyan", "Medyan ulaşma süresi (saat)", "hours")
    depts = Table("birimler", "Birimler", [Col("birim", "Birim"), *CB_COLS, median])
    for r in data["departments"]:
        depts.add([_dept(r["department"], names), *_cb(r), r["median_hours"]])
    if data["departments"]:
        depts.add(["Toplam", *_cb(data["total"]), data["total"]["median_hours"]])
    agents = Table("temsilciler", "Temsilciler", [Col("temsilci", "Temsilci"), Col("arama", "Yapılan arama", "int"),
                   Col("ulasildi", "Ulaşıldı", "int"), Col("ulasilamadi", "Ulaşılamadı", "int"),
                   Col("yanlis", "Yanlış numara", "int")])  # fmt: skip
    for r in data["agents"]:
        agents.add([r["agent"], r["calls"], r["reached"], r["not_reached"], r["wrong_number"]])
    days = Table("gunler", "Günler", [Col("tarih", "Tarih", "date"), *CB_COLS])
    for r in data["days"]:
        days.add([r["day"], *_cb(r)])
    return [depts, agents, days]


# -- the catalogue --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    slug: str  # /ui/raporlar/<slug>
    api: str  # /api/v1/reports/<api>
    title: str
    summary: str
    range_note: str  # what the date range counts
    build: Callable[[Any, ReportFilter, Actor | None], dict[str, Any]]
    tables: Callable[[dict[str, Any], Names], list[Table]]
    filters: tuple[str, ...] = ("ilce", "mahalle", "department", "channel")
    dated: bool = True

    def file_name(self, flt: ReportFilter, ext: str) -> str:
        span = "" if not self.dated else f"-{flt.first_day.isoformat()}-{flt.last_day.isoformat()}"
        return f"{self.slug}{span}.{ext}"


REPORTS: dict[str, Report] = {r.slug: r for r in (
    Report("muhtar", "muhtar", "Muhtar talepleri (üç aylık)",
           "İçişleri Bakanlığına verilen dönem rakamları: toplam, olumlu, olumsuz, iade ve bekleyen; ilçe, mahalle, "
           "birim ve türe göre.", "Talebin geldiği gün",
           lambda db, flt, actor: muhtar.muhtar_report(db, flt, actor=actor), muhtar_tables),
    Report("mahalle", "mahalle", "Mahalle ihtiyaçları",
           "Hangi mahallenin neye ihtiyacı var: mahalleler talep sayısına göre sıralı, başlıca konularıyla.",
           "Talebin geldiği gün", lambda db, flt, actor: mahalle.mahalle_report(db, flt, actor=actor),
           mahalle_tables),
    Report("sureler", "deadlines", "Süre durumu — birimlere göre",
           "Açık taleplerin şu anki süre durumu; yasal süresi geçenler önce.",
           "Tarih aralığı uygulanmaz: açık taleplerin bugünkü durumu", _deadlines, deadline_tables, dated=False),
    Report("performans", "performance", "Birim performansı",
           "Gelen ve cevaplanan talepler, süresinde cevap oranı, medyan ve %90 cevap süresi, yeniden açılanlar; "
           "birim ve aya göre.", "Talebin geldiği gün",
           lambda db, flt, actor: performance.performance_report(db, flt, actor=actor), performance_tables),
    Report("ilk-temas", "first-contact", "İlk temasta çözülen çağrılar",
           "Bilgi bankasıyla ilk temasta kapatılan çağrılar: konuya, temsilciye ve güne göre.",
           "Çağrının kapatıldığı gün", lambda db, flt, actor: contact.fcr_report(db, flt, actor=actor), fcr_tables),
    Report("geri-arama", "callbacks", "Geri aramalar",
           "SMS ile ulaştırılamayan cevaplar için yapılan geri aramalar: birime, temsilciye ve güne göre.",
           "Aramanın planlandığı gün", lambda db, flt, actor: contact.callbacks_report(db, flt, actor=actor),
           callback_tables),
)}  # fmt: skip
BY_API = {r.api: r for r in REPORTS.values()}


def about(
    report: Report, flt: ReportFilter, actor: Actor | None, names: Names, **extra: str
) -> list[tuple[str, Any]]:
    """The "Filtre" sheet: what the file counts, for whom, when."""
    from hub.queries.scope import department_scoped
    from hub.reports.common import TZ

    rows: list[tuple[str, Any]] = [("Rapor", report.title), ("Oluşturulma", datetime.now(TZ))]
    if report.dated:
        rows += [("Başlangıç", flt.first_day), ("Bitiş", flt.last_day), ("Tarih", report.range_note)]
    else:
        rows.append(("Tarih", report.range_note))
    rows += [(k, v) for k, v in extra.items() if v]
    labels = {"ilce": "İlçe", "mahalle": "Mahalle", "department": "Birim", "channel": "Kanal"}
    for key in report.filters:
        value = getattr(flt, key)
        if key == "department" and value:
            value = _dept(value, names)
        if key == "channel" and value:
            from hub.ui.labels import CHANNEL

            value = CHANNEL.get(value, value)
        rows.append((labels[key], value or "Tümü"))
    if department_scoped(actor):
        rows.append(("Kapsam", f"Yalnızca {_dept(actor.department if actor else None, names)} birimi"))
    return rows
