"""The rules file stays the single source of truth: rules activated in the UI, the API or by
another process are written back to it, so a restart keeps them and hand-editing continues
from the active text (found by the rule builder's browser test: a restart used to bring the
file's old rules back)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
RULES = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
NEW = RULES.replace("Kırsal Hizmetler Daire Başkanlığı", "Kırsal Hizmetler D.B.", 1)


def _versions(hub) -> list:  # noqa: ANN001
    from hub.models import RulesVersion

    with hub.db.reader() as s:
        return list(s.exec(select(RulesVersion.digest, RulesVersion.active).order_by(RulesVersion.id)))


def test_activation_is_written_to_the_file_and_survives_a_restart(settings_factory, tmp_path) -> None:  # noqa: ANN001
    from hub.auth import Actor
    from hub.context import Hub

    assert NEW != RULES
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    settings = settings_factory(rules_file=rules)
    hub = Hub(settings)
    activated = hub.rules.activate_text(NEW.replace("\n", "\r\n"), actor=Actor("user:1", "supervisor"), source="ui",
                                        comment="isim kısaltıldı")  # fmt: skip
    assert rules.read_text(encoding="utf-8") == NEW  # LF, exactly the active text
    assert hub.rules.reload_file() is False, "our own write-back is not a new version"
    count = len(_versions(hub))

    again = Hub(settings)  # a restart
    assert again.rules.ruleset.digest == activated.digest
    assert len(_versions(again)) == count, "no version stored for an unchanged file"


def test_a_version_picked_up_from_the_database_is_written_to_this_process_file(
    settings_factory, tmp_path
) -> None:  # noqa: ANN001
    from hub.auth import Actor
    from hub.context import Hub

    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(RULES, encoding="utf-8")
    second.write_text(RULES, encoding="utf-8")
    hub_a = Hub(settings_factory(rules_file=first))
    hub_b = Hub(settings_factory(rules_file=second))
    hub_a.rules.activate_text(NEW, actor=Actor("user:1", "supervisor"), source="api")
    assert hub_b.rules.follow_database() is True
    assert second.read_text(encoding="utf-8") == NEW
    assert hub_b.rules.reload_file() is False
    assert [a for _, a in _versions(hub_a)].count(True) == 1


def test_a_rules_file_that_cannot_be_written_does_not_stop_activation(
    settings_factory,
    tmp_path,
    caplog,
    monkeypatch,  # noqa: ANN001
) -> None:
    import hub.routing as routing_module
    from hub.auth import Actor
    from hub.context import Hub

    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    hub = Hub(settings_factory(rules_file=rules))

    def refuse(*_a: object) -> None:  # a read-only mount; the tests run as root, so chmod would not refuse
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(routing_module.os, "replace", refuse)
    with caplog.at_level(logging.WARNING, logger="hub.routing"):
        activated = hub.rules.activate_text(NEW, actor=Actor("user:1", "supervisor"), source="ui")
    assert hub.rules.ruleset.digest == activated.digest, "routing goes on with the stored version"
    assert rules.read_text(encoding="utf-8") == RULES
    assert "could not be written" in caplog.text
    assert not list(tmp_path.glob(".rules.yaml.*.tmp")), "no temp file left behind"
