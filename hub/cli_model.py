"""``run_hub.py model status|activate VERSION|rollback``: the classifier model from a terminal,
through the same actions as the model page (hub/actions/model.py), as the CLI's system actor.
``run_hub.py train`` (hub/cli.py) retrains and activates a candidate that passed the gate."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _status(hub: Any) -> dict[str, Any]:
    from hub.queries.model import overview

    view = overview(hub)

    def brief(row: dict | None) -> dict | None:
        if row is None:
            return None
        gate = row.get("gate") or {}
        return {"version": row["version"], "status": row.get("status"), "created_at": row.get("created_at"),
                "macro_f1": row.get("macro_f1"), "n_test": row.get("n_test"), "gate_passed": gate.get("passed"),
                "can_activate": row.get("can_activate")}  # fmt: skip

    return {
        "active": brief(view["active"]), "previous": view["previous"], "waiting_corrections": view["waiting"],
        "training_running": view["running"], "models": [brief(m) for m in view["models"]],
    }  # fmt: skip


def cmd_train(args: argparse.Namespace) -> int:
    return _run(args, lambda hub, actor, m: m.retrain(hub, actor, activate_if_passed=True))


def cmd_model(args: argparse.Namespace) -> int:
    if args.model_cmd == "status":
        return _run(args, lambda hub, actor, m: _status(hub))
    if args.model_cmd == "activate":
        return _run(args, lambda hub, actor, m: m.activate(hub, actor, args.version, note=args.note))
    return _run(args, lambda hub, actor, m: m.rollback(hub, actor, note=args.note))


def _run(args: argparse.Namespace, work: Any) -> int:
    from hub.actions import model
    from hub.actions.errors import ActionError
    from hub.auth import SYSTEM_CLI
    from hub.cli import _settings
    from hub.context import Hub
    from hub.ui.model_text import error_text

    hub = Hub(_settings(args))
    try:
        _print(work(hub, SYSTEM_CLI, model))
    except ActionError as exc:
        print(f"hata: {error_text(exc)}", file=sys.stderr)
        return 2
    finally:
        hub.db.dispose()
    return 0


def add_parsers(sub: Any) -> None:
    tr = sub.add_parser(
        "train",
        help="retrain the classifier on seed + history + corrections; activate it if it passes the gate",
    )
    tr.set_defaults(fn=cmd_train)
    m = sub.add_parser("model", help="the classifier model: status, activate VERSION, rollback")
    msub = m.add_subparsers(dest="model_cmd", required=True)
    msub.add_parser("status", help="active model, candidates with metrics, waiting corrections (JSON)")
    act = msub.add_parser("activate", help="activate a stored candidate that passed the evaluation gate")
    act.add_argument("version")
    act.add_argument("--note", help="why (kept in the audit log)")
    rb = msub.add_parser("rollback", help="re-activate the previously active model")
    rb.add_argument("--note", help="why (kept in the audit log)")
    m.set_defaults(fn=cmd_model)
