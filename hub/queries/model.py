"""What the model page shows (read-only): the active classifier and the stored candidates with
their held-out metrics and gate verdicts, corrections not yet learned, the training's state and
the recent model events. Blocking (files and database): call it in a worker thread."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from hub.learning import corrections_waiting, registry
from hub.models import Event

MODELS_SHOWN = 12
EVENTS_SHOWN = 15
COVERAGES_SHOWN = (0.8, 0.9)


def _precision_at(metrics: dict[str, Any], coverage: float) -> float | None:
    for point in metrics.get("coverage_precision") or []:
        if abs(float(point.get("coverage", -1)) - coverage) < 1e-9:
            return point.get("precision")
    return None


def _row(reg: Any, version: str, active: str | None, history: list[str]) -> dict[str, Any]:
    from classifier.errors import InputError

    try:
        info = reg.info(version)
    except InputError:  # a file left by older code: listed, never offered
        return {"version": version, "unreadable": True, "metrics": {}, "gate": None, "can_activate": False}
    metrics = info.get("metrics") or {}
    gate = info.get("gate") if isinstance(info.get("gate"), dict) else None
    passed = gate.get("passed") if gate else None
    status = "active" if version == active else ("earlier" if version in history else "candidate")
    return {
        "version": version,
        "unreadable": False,
        "created_at": info.get("created_at"),
        "n_examples": info.get("n_examples"),
        "n_corrections": info.get("n_corrections"),
        "metrics": metrics,
        "macro_f1": metrics.get("macro_f1"),
        "accuracy": metrics.get("accuracy"),
        "n_test": metrics.get("n_test"),
        "precision_at": {c: _precision_at(metrics, c) for c in COVERAGES_SHOWN},
        "gate": gate,
        "status": status,
        "can_activate": status != "active" and (passed is True or (passed is None and version in history)),
    }


def _comparison(active: dict[str, Any] | None, candidate: dict[str, Any] | None) -> dict[str, Any] | None:
    """Per-class F1 and precision at coverage of the active model beside one candidate's. The
    active model's figures come from the candidate's own check (same examples) when it was
    compared with today's active model, else from the active model's own training."""
    if candidate is None and active is None:
        return None
    gate = (candidate or {}).get("gate") or {}
    same = bool(
        active and candidate and gate.get("compared_with") == active["version"] and gate.get("active_metrics")
    )
    active_metrics = gate["active_metrics"] if same else (active or {}).get("metrics") or {}
    cand_metrics = (candidate or {}).get("metrics") or {}
    a_cls, c_cls = active_metrics.get("per_class") or {}, cand_metrics.get("per_class") or {}
    rows = []
    for label in sorted(set(a_cls) | set(c_cls)):
        a, c = a_cls.get(label) or {}, c_cls.get(label) or {}
        a_f1, c_f1 = a.get("f1"), c.get("f1")
        rows.append({"label": label, "active": a_f1, "candidate": c_f1,
                     "delta": (c_f1 - a_f1) if a_f1 is not None and c_f1 is not None else None,
                     "support": c.get("support", a.get("support"))})  # fmt: skip
    coverage = [
        {"coverage": p.get("coverage"), "active": p.get("precision"), "candidate": _precision_at(cand_metrics, p.get("coverage", -1))}
        for p in active_metrics.get("coverage_precision") or cand_metrics.get("coverage_precision") or []
    ]  # fmt: skip
    if not active_metrics.get("coverage_precision"):
        coverage = [{"coverage": p.get("coverage"), "active": None, "candidate": p.get("precision")}
                    for p in cand_metrics.get("coverage_precision") or []]  # fmt: skip
    return {
        "candidate": candidate, "same_examples": same, "per_class": rows, "coverage": coverage,
        "active_macro_f1": active_metrics.get("macro_f1"), "candidate_macro_f1": cand_metrics.get("macro_f1"),
    }  # fmt: skip


def overview(hub: Any, *, chosen: str | None = None) -> dict[str, Any]:
    """Everything the page shows. ``chosen``: the candidate to compare (default the newest)."""
    reg = registry(hub)
    active_version = reg.active_version()
    history = reg.history()
    newest_first = list(reversed(reg.versions()))
    rows = [_row(reg, v, active_version, history) for v in newest_first[:MODELS_SHOWN]]
    active = next((r for r in rows if r["status"] == "active"), None)
    if active is None and active_version is not None:
        active = _row(reg, active_version, active_version, history)
    others = [r for r in rows if r["status"] != "active"]
    candidates = [r for r in others if r["status"] == "candidate" and not r["unreadable"]]
    pick = next((r for r in others if r["version"] == chosen and not r["unreadable"]), None)
    if pick is None and chosen and chosen != active_version and chosen in newest_first:
        pick = _row(reg, chosen, active_version, history)
    pick = pick or (candidates[0] if candidates else None)
    with hub.db.reader() as session:
        recent = session.exec(select(Event).where(col(Event.kind).startswith("classifier."))
                              .order_by(col(Event.id).desc()).limit(EVENTS_SHOWN)).all()  # fmt: skip
        trained = session.exec(select(Event).where(Event.kind == "classifier.trained")
                               .order_by(col(Event.id).desc()).limit(1)).first()  # fmt: skip
        through = int((trained.data or {}).get("corrections_through") or 0) if trained else 0
        waiting = corrections_waiting(session, through)
    last_run = next(
        (e for e in recent if e.kind in ("classifier.trained", "classifier.retrain_failed")), None
    )
    started = next((e for e in recent if e.kind == "classifier.retrain_started"), None)
    return {
        "active": active,
        "models": others,
        "comparison": _comparison(active, pick),
        "previous": reg.previous_version(),
        "waiting": waiting,
        "running": reg.training_running(),
        "started": started,
        "last_run": last_run,
        "events": recent,
        "total_models": len(newest_first),
    }
