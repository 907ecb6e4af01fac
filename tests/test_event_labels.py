"""Every event kind the actions layer records has a Turkish label in the audit trail
(/ui/denetim, hub.ui.labels.EVENT): a new kind written without one fails here, instead of
showing its English code to the administrators."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import select

from hub.actions import push
from hub.auth import Actor
from hub.models import User
from hub.ui import labels
from tests.push_support import BrowserKeys
from tests.test_ui import login

ACTIONS = Path(__file__).resolve().parent.parent / "hub" / "actions"
DOTTED = r"[a-z_]+(?:\.[a-z_]+)+"
ARG = r"[\w.]+(?:\([^()]*\))?\s*,\s*"  # a name, an attribute or a simple call such as _address_actor(ip)
KIND = rf'(?:"(?P<kind>{DOTTED})"(?:\s+if\s+[\w.]+\s+else\s+"(?P<other>{DOTTED})")?|"(?P<prefix>[a-z_]+\.)"\s*\+\s*[\w.]+|(?P<name>[A-Za-z_]\w*))\s*[,)]'
# events.record(session, actor, KIND, ...) and event_row(actor, KIND, ...); KIND is "a.b",
# "a.b" if x else "a.c", "a." + value or a name
CALL = re.compile(rf"\b(?:events\.record\(\s*{ARG}{ARG}|(?<!def )event_row\(\s*{ARG}){KIND}")
ANY_CALL = re.compile(r"\bevents\.record\(|(?<!def )\bevent_row\(")
# a kind kept in a name first: kind = "kb.created", FCR_EVENT = "request.first_contact"
CONSTANT = re.compile(rf'\b(?P<name>[A-Za-z_]\w*)\s*=\s*"(?P<kind>{DOTTED})"')
# a kind made of a prefix and a value at run time: the values it can take
# (quarantine.mark writes "quarantine." + hub.models.Quarantine.status)
PREFIXED = {"quarantine.": ("new", "retried", "resolved")}


def recorded_kinds() -> dict[str, str]:
    """Each event kind written in hub/actions/*.py → the first file that writes it."""
    kinds: dict[str, str] = {}
    for path in sorted(ACTIONS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        constants: dict[str, set[str]] = {}
        for m in CONSTANT.finditer(source):
            constants.setdefault(m["name"], set()).add(m["kind"])
        calls = list(CALL.finditer(source))
        # every call must be understood here, or a new way of writing one would slip past this test
        assert len(calls) == len(ANY_CALL.findall(source)), (
            f"{path.name}: an event call this test cannot read"
        )
        for m in calls:
            if m["prefix"]:
                assert m["prefix"] in PREFIXED, (
                    f"{path.name}: which kinds can {m[0]!r} write? add them to PREFIXED"
                )
                found = {m["prefix"] + value for value in PREFIXED[m["prefix"]]}
            else:
                found = {m["kind"], m["other"]} - {None} if m["kind"] else constants.get(m["name"], set())
            assert found, (
                f"{path.name}: the event kind in {m[0]!r} is not a string literal nor a name given one"
            )
            for kind in found:
                kinds.setdefault(kind, path.name)
    return kinds


def test_every_recorded_event_kind_has_a_turkish_label() -> None:
    kinds = recorded_kinds()
    # the collection itself works: the push events, the ones only named in a variable, both call forms
    assert {"push.subscribed", "push.unsubscribed", "push.session_ended", "push.preferences",
            "push.subscription_gone", "kb.created", "request.first_contact", "request.created"} <= set(kinds)  # fmt: skip
    assert len(kinds) > 50
    missing = {kind: where for kind, where in sorted(kinds.items()) if kind not in labels.EVENT}
    assert missing == {}, "add a Turkish label to hub.ui.labels.EVENT for these event kinds"
    for kind in kinds:
        assert labels.event_label(kind) != kind


async def test_the_audit_trail_names_push_events_in_turkish(ui, hub) -> None:  # noqa: ANN001
    with hub.db.session() as s:
        user = s.exec(select(User).where(User.username == "kaski")).one()
        actor = Actor(f"user:{user.id}", "department", user_id=user.id, department="kaski")
        keys = BrowserKeys()
        endpoint = "https://push.example.test/kaski-telefonu"
        push.subscribe(s, actor, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
        push.set_preferences(s, actor, {"forwarded": True, "escalation": False, "deadline": True})
        push.unsubscribe(s, actor, endpoint)
    await login(ui, "admin")
    html = await (await ui.get("/ui/denetim")).text()
    for kind in ("push.subscribed", "push.preferences", "push.unsubscribed"):
        assert f"{labels.EVENT[kind]} <span" in html, kind
