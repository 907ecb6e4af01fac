"""One e-mail check everywhere: the web form, the staff form, the API and the routing rules
accept and refuse the same addresses (they used three regular expressions and email-validator,
and disagreed: ``ali..veli@ornek.com`` passed the forms and failed the API)."""

from __future__ import annotations

import pytest

from hub.email_address import BadEmail, check_email, is_email
from tests.test_ui import csrf_of, login
from tests.test_ui_new_request import count, token_of

GOOD = ["ali@ornek.com", "Ali.Veli+153@Ornek.COM.tr", "zeynep@örnek.com.tr"]
BAD = ["ali..veli@ornek.com", "ali@ornek..com", "ali@-ornek.com", '"ali"@ornek.com', "ali@ornek",
       "ayşe@ornek.com", "ali veli@ornek.com", "ali@", "@ornek.com", "x" * 250 + "@ornek.com",
       "ali@ornek.invalid"]  # fmt: skip


@pytest.mark.parametrize("address", GOOD)
def test_good_addresses_are_kept_in_normal_form(address: str) -> None:
    out = check_email(address)
    local, domain = out.rsplit("@", 1)
    assert local == address.rsplit("@", 1)[0] and domain == domain.lower()


@pytest.mark.parametrize("address", BAD)
def test_bad_addresses_get_a_turkish_reason(address: str) -> None:
    with pytest.raises(BadEmail) as info:
        check_email(address)
    assert str(info.value).startswith("E-posta adresi")


def test_placeholders_only_where_configuration_asks() -> None:
    assert check_email("kaski-talep@Example.INVALID", placeholder_ok=True) == "kaski-talep@example.invalid"
    assert not is_email("kaski-talep@example.invalid")
    assert not is_email("kaski..talep@example.invalid", placeholder_ok=True)


@pytest.mark.parametrize("address", ["ali..veli@ornek.com", "ayşe@ornek.com", "ali@ornek.invalid"])
async def test_api_refuses_what_the_forms_refuse(client, address: str) -> None:  # noqa: ANN001
    body = {"text": "Sokak lambası yanmıyor.", "channel": "phone", "contact": {"email": address}}
    r = await client.post("/api/v1/requests", json=body)
    assert r.status == 422, await r.text()
    assert "E-posta adresi" in await r.text()


async def test_api_stores_the_normal_form(client, hub) -> None:  # noqa: ANN001
    body = {"text": "Sokak lambası yanmıyor.", "channel": "phone", "contact": {"email": "Ali@Ornek.COM"}}
    r = await client.post("/api/v1/requests", json=body)
    assert r.status in (200, 201), await r.text()
    assert (await r.json())["contact"]["email"] == "ali@ornek.com"  # contacts match case-blind


@pytest.mark.parametrize("address", ["ali..veli@ornek.com", "ayşe@ornek.com", "ali@ornek.invalid"])
async def test_staff_form_refuses_them_too(ui, hub, address: str) -> None:  # noqa: ANN001
    await login(ui, "agent")
    page = await (await ui.get("/ui/yeni")).text()
    before = count(hub)
    form = {"csrf": csrf_of(page), "token": token_of(page), "kanal": "phone", "telefon": "0532 123 45 67",
            "ad": "Zeynep", "eposta": address, "kisi_turu": "citizen", "tur": "", "ilce": "",
            "mahalle": "", "adres": "", "metin": "Sokak lambası yanmıyor."}  # fmt: skip
    r = await ui.post("/ui/yeni", data=form)
    html = await r.text()
    assert r.status == 400 and "E-posta adresi" in html and count(hub) == before


@pytest.mark.parametrize("address", ["fen..isleri@ornek.com", "fen@ornek..com"])
def test_rules_refuse_them_and_keep_placeholders(address: str) -> None:
    from pathlib import Path

    from hub.routing import known_vocab
    from hub.rules import RulesError, RuleSet

    shipped = (Path(__file__).resolve().parent.parent / "routing_rules.yaml").read_text(encoding="utf-8")
    assert "kaski-talep@example.invalid" in shipped
    RuleSet.from_yaml_text(shipped, source="t", **known_vocab())  # the placeholders are fine
    with pytest.raises(RulesError) as info:
        RuleSet.from_yaml_text(
            shipped.replace("kaski-talep@example.invalid", address), source="t", **known_vocab()
        )
    assert "geçersiz e-posta adresi" in str(info.value)
