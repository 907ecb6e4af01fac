"""A request's routing trace in full, for the request page, the API and erasure.

Intake stores a compact trace (hub.rules.stored_trace). Rebuilding it needs the rule set that
routed the request: the running one, or the stored RulesVersion with that digest, compiled
once per process and kept while it is asked for.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from sqlmodel import Session, select

from hub.models import Request, RulesVersion
from hub.rules import RulesError, RuleSet, stored_trace

log = logging.getLogger(__name__)
_KEEP = 8  # compiled rule sets kept per process (the active one and a few recent versions)
_compiled: OrderedDict[str, RuleSet] = OrderedDict()
_lock = threading.Lock()


def remember(ruleset: RuleSet) -> None:
    """Keep a compiled rule set for rebuilding traces (the router calls this with the active one)."""
    if _compiled.get(ruleset.digest) is ruleset:
        return
    with _lock:
        _compiled[ruleset.digest] = ruleset
        _compiled.move_to_end(ruleset.digest)
        while len(_compiled) > _KEEP:
            _compiled.popitem(last=False)


def ruleset_for(session: Session, digest: str) -> RuleSet | None:
    """The compiled rule set with this digest: kept, or built from the stored RulesVersion text."""
    found = _compiled.get(digest)
    if found is not None:
        return found
    text = session.exec(select(RulesVersion.text).where(RulesVersion.digest == digest)).first()
    if text is None:
        return None
    from hub.routing import known_vocab

    try:
        ruleset = RuleSet.from_yaml_text(text, source=f"version {digest[:12]}", **known_vocab())
    except RulesError:
        # It passed when it was activated; the taxonomy or gazetteer may have changed since.
        # Those checks only refuse texts, they do not change how a valid one routes.
        try:
            ruleset = RuleSet.from_yaml_text(text, source=f"version {digest[:12]}")
        except RulesError:
            log.warning(
                "stored rules version %s no longer compiles; its traces show matched rules only", digest[:12]
            )
            return None
    remember(ruleset)
    return ruleset


def full_trace(session: Session, req: Request) -> dict[str, Any]:
    """The request's routing trace as the request page shows it."""
    trace = req.routing_trace or {}
    if not stored_trace.is_compact(trace):
        return trace
    return stored_trace.expand(
        trace, text=req.text, subject=req.subject, ruleset_for=lambda digest: ruleset_for(session, digest)
    )
