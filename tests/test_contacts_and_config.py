"""One citizen across channels; settings from hub.toml; nothing personal in logs."""

from __future__ import annotations

import logging

from connectors.base import RawMessage, Sender


async def test_same_citizen_across_channels_and_merge(client, hub) -> None:  # noqa: ANN001
    a = hub.intake.ingest(RawMessage(channel="phone", external_id="p1", text="Talas Mevlana Mahallesi su yok",
                                     sender=Sender(name="Ayşe Yılmaz", phone="0532 123 45 67")))  # fmt: skip
    b = hub.intake.ingest(RawMessage(channel="whatsapp", external_id="w1", text="Esentepe mahallesinde çöp var",
                                     sender=Sender(phone="+905321234567", external_id="905321234567")))  # fmt: skip
    r = await client.get("/api/v1/contacts", params={"phone": "0 (532) 123-45-67"})
    [person] = (await r.json())["items"]
    assert {x["id"] for x in person["requests"]} == {a.request_id, b.request_id}
    c = hub.intake.ingest(RawMessage(channel="email", external_id="<m1@example.com>", text="Mevlana mahallesi su",
                                     sender=Sender(name="Ayşe Yılmaz", email="ayse@example.com")))  # fmt: skip
    r = await client.get("/api/v1/contacts", params={"email": "AYSE@example.com"})
    [by_mail] = (await r.json())["items"]
    assert by_mail["id"] != person["id"]
    r = await client.post(f"/api/v1/contacts/{by_mail['id']}/merge", json={"into": person["id"]})
    merged = await r.json()
    assert merged["id"] == person["id"] and merged["email"] == "ayse@example.com"
    assert {x["id"] for x in merged["requests"]} == {a.request_id, b.request_id, c.request_id}
    r = await client.get("/api/v1/contacts", params={"email": "ayse@example.com"})
    assert (await r.json())["items"][0]["id"] == person["id"]
    r = await client.post(f"/api/v1/contacts/{person['id']}/merge", json={"into": person["id"]})
    assert r.status == 400
    r = await client.get("/api/v1/contacts", params={"phone": "12"})
    assert r.status == 400 and (await r.json())["field"] == "phone"


def test_settings_from_hub_toml_and_environment(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from hub.settings import Settings

    toml = tmp_path / "hub.toml"
    toml.write_text('port = 9090\nmunicipality_name = "Talas Belediyesi"\nsmtp_host = "mail.example"\n', encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(toml))
    monkeypatch.setenv("HUB_SMTP_HOST", "smtp.from-env.example")
    st = Settings()
    assert st.port == 9090 and st.municipality_name == "Talas Belediyesi"
    assert st.smtp_host == "smtp.from-env.example", "environment wins over the file"
    assert st.resolved_database_url.startswith("sqlite:///")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/x")
    assert not Settings().is_sqlite


def test_logs_mask_phone_tckn_and_secrets(caplog) -> None:  # noqa: ANN001
    from hub.observability import MaskingFilter

    log = logging.getLogger("hub.test")
    handler_filter = MaskingFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO, logger="hub.test"):
            log.info("vatandaş %s aradı, TC %s, token=%s", "0532 123 45 67", "10000000146", "s3cr3t-value")
    finally:
        caplog.handler.removeFilter(handler_filter)
    text = caplog.text
    assert "0532 123 45 67" not in text and "10000000146" not in text and "s3cr3t-value" not in text
    assert "[TELEFON]" in text and "[TCKN]" in text
