"""How each kind of outbox row is delivered: forwarding to a department (e-mail,
signed webhook or a short SMS to an on-call phone), an answer on the citizen's channel (or export file, or call-back
task), and stage notices (channel, SMS or e-mail). The worker loop is in
``hub.workers.outbox``; this module knows the transports."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlmodel import select

from classifier.pii import normalize_phone_tr
from connectors.base import OutboundMessage
from connectors.email.smtp import SmtpConfig
from hub.api.views import request_summary
from hub.auth import SYSTEM_WORKER
from hub.delivery import (
    PermanentDeliveryError,
    SmsGateway,
    SmsGatewaySettings,
    build_forward_email,
    build_forward_payload,
    deliver_webhook,
    notification_text,
    send_email,
    smtp_config,
)
from hub.delivery.public_texts import public_comment
from hub.delivery.redact import mask_phone
from hub.delivery.staff_sms import staff_sms_text
from hub.delivery.texts import muhtar_portal_path, to_muhtar
from hub.models import Contact, Department, Message, Outbox, Request
from hub.web.pages import private_status_path

log = logging.getLogger(__name__)
# Channels answered by writing an export file for upload (no direct answer to the citizen).
EXPORT_CHANNELS = ("cimer", "mbs", "edevlet")


def _placeholder(target: dict[str, Any]) -> bool:
    """A webhook on a ``.invalid`` host can never connect. (E-mail is left to the
    SMTP relay, which may well accept such an address in a test setup.)"""
    from urllib.parse import urlsplit

    hook = target.get("webhook")
    url = hook.get("url") if isinstance(hook, dict) else hook
    return bool(url) and (urlsplit(url).hostname or "").lower().rstrip(".").endswith(".invalid")


class Skip(Exception):
    """Nothing to deliver (e.g. no SMS gateway configured); recorded as done with a note."""


class Transports:
    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self._sms: SmsGateway | None = None

    async def dispatch(self, row: Outbox) -> dict[str, Any]:
        handler = {"forward": self._forward, "reply": self._reply, "notify": self._notify,
                   "push": self._push}.get(row.kind)  # fmt: skip
        if handler is None:
            raise PermanentDeliveryError(f"unknown outbox kind {row.kind}")
        return await handler(row)

    def _load(self, row: Outbox) -> tuple[dict, dict | None]:
        with self.hub.db.reader() as session:
            req = session.get(Request, row.request_id) if row.request_id else None
            if req is None:
                raise PermanentDeliveryError("request no longer exists")
            view = request_summary(req)
            contact = session.get(Contact, req.contact_id) if req.contact_id else None
            view["contact"] = (
                {"name": contact.name, "phone": contact.phone, "email": contact.email} if contact else None
            )
            dept_code = (row.payload or {}).get("department") or req.department
            dept = session.get(Department, dept_code) if dept_code else None
            dept_view = {"code": dept.code, "name": dept.name, "targets": dept.targets} if dept else None
            msgs = session.exec(
                select(Message)
                .where(Message.request_id == req.id, Message.direction == "in")
                .order_by(Message.id)
            ).all()
            view["attachments"] = [a for m in msgs for a in (m.attachments or []) if a.get("sha256")]
            # when the citizen last wrote on each channel (Meta's reply windows)
            view["last_inbound"] = {}
            for m in msgs:
                seen = view["last_inbound"].get(m.channel)
                view["last_inbound"][m.channel] = m.created_at if seen is None else max(seen, m.created_at)
        return view, dept_view

    def smtp_settings(self) -> SmtpConfig:
        cfg = smtp_config(self.hub.settings)
        if cfg is None:
            raise Skip("SMTP is not configured (HUB_SMTP_HOST)")
        return cfg

    async def _forward(self, row: Outbox) -> dict[str, Any]:
        p = row.payload or {}
        target = p.get("target") or {}
        view, dept = await self.hub.db.run(self._load, row)
        if dept is None:
            raise PermanentDeliveryError(f"department {p.get('department')} not found")
        view["role"] = p.get("role")
        view["note"] = p.get("note")
        base_url = p.get("base_url") or self.hub.settings.base_url
        if _placeholder(target):
            # example.invalid can never resolve (RFC 2606): the shipped rules file uses it
            # until the municipality fills in real endpoints. Record it, don't retry it.
            raise Skip("placeholder webhook (.invalid): set the department's real endpoint in routing_rules.yaml")
        if target.get("sms"):
            return await self._forward_sms(row, target["sms"], view, base_url)
        if target.get("email"):
            dept_for_mail = {**dept, "email": target["email"]}
            attachments = []
            for a in view.get("attachments", []):
                path = self.hub.attachments.path(a["sha256"])
                if path is not None:
                    attachments.append((a["filename"], a["content_type"], path.read_bytes()))
            message_id = (
                f"<fwd-{row.id}-{row.idempotency_key.rsplit(':', 1)[-1]}@{self.hub.settings.mail_domain}>"
            )
            smtp = self.smtp_settings()
            msg = build_forward_email(view, dept_for_mail, settings=smtp, base_url=base_url,
                                      attachments=attachments, message_id=message_id)  # fmt: skip
            await send_email(msg, smtp)
            await self.hub.db.run(self._remember_mail_id, row, message_id)
            return {"via": "email", "to": target["email"], "message_id": message_id}
        if target.get("webhook"):
            hook = target["webhook"] if isinstance(target["webhook"], dict) else {"url": target["webhook"]}
            secret = (
                os.environ.get(hook.get("secret_env", "")) if hook.get("secret_env") else hook.get("secret")
            )
            payload = build_forward_payload(view, dept, base_url=base_url)
            status = await deliver_webhook(
                hook["url"], payload, secret=secret, idempotency_key=row.idempotency_key
            )
            return {"via": "webhook", "status": status}
        raise Skip("queue-only target")

    async def _forward_sms(self, row: Outbox, number: str, view: dict, base_url: str) -> dict[str, Any]:
        """A short notice to an on-call phone. Built from the request's code, role, topic,
        mahalle and staff link only: the citizen's data never goes to the SMS gateway."""
        phone = normalize_phone_tr(number) if isinstance(number, str) else None
        if phone is None:
            raise PermanentDeliveryError(f"department SMS target is not a Turkish number: {mask_phone(str(number))}")
        gateway = self.sms_gateway()  # Skip with a reason when HUB_SMS_URL is not set
        text = staff_sms_text(view, role=view.get("role"), base_url=base_url)
        ref = await gateway.send(phone, text, idempotency_key=row.idempotency_key)
        return {"via": "sms", "to": mask_phone(phone), "external_id": str(ref)[:200]}

    def _remember_mail_id(self, row: Outbox, message_id: str) -> None:
        # The department's answer carries In-Reply-To: this id, which threads it back.
        with self.hub.db.session() as session:
            session.add(Message(
                request_id=row.request_id, direction="out", channel="email", external_id=f"fwd:{row.id}",
                email_message_id=message_id, body=f"Departmana iletildi: {row.payload.get('department')}",
                author="system:worker", delivery_status="sent", meta={"forward": True},
            ))  # fmt: skip

    async def _send_on_channel(
        self,
        channel: str,
        reply_to: dict,
        text: str,
        row: Outbox,
        *,
        subject: str | None = None,
        tracking_code: str | None = None,
        last_inbound_at: datetime | None = None,
    ) -> dict[str, Any]:
        sender = self.hub.connectors.sender_for(channel) if self.hub.connectors else None
        if sender is None:
            raise Skip(f"no connector can answer on {channel}")
        out = OutboundMessage(
            channel=channel, text=text, reply_to=reply_to or {}, idempotency_key=row.idempotency_key,
            subject=subject, tracking_code=tracking_code,
            in_reply_to=(reply_to or {}).get("message_id"),
            references=[(reply_to or {}).get("message_id")] if (reply_to or {}).get("message_id") else [],
            message_id=f"<{row.idempotency_key.replace(':', '-')}@{self.hub.settings.mail_domain}>",
            last_inbound_at=last_inbound_at,
        )  # fmt: skip
        result = await sender.send(out)
        return {"via": channel, "external_id": result.external_id}

    async def _reply(self, row: Outbox) -> dict[str, Any]:
        p = row.payload or {}
        view, _ = await self.hub.db.run(self._load, row)
        channel = p.get("channel") or view["channel"]
        if p.get("auto") and channel in ("phone", *EXPORT_CHANNELS):
            # The rules' "alındı" text is no answer: it must not become a call-back task or a
            # row in the CİMER/MBS answer file. The "received" notification already went out.
            raise Skip(f"automatic acknowledgement not sent on {channel}")
        if channel == "phone":
            # The caller is told by SMS (the "answered" notice carries the answer); where no SMS
            # can go, the answer becomes a call-back task and is not sent: recorded as skipped.
            why = await self.hub.db.run(self._phone_answer, row)
            if why:
                raise Skip(f"call-back task: {why}")
            return {"via": "sms_notice"}
        if channel == "muhtar":
            # Shown in the muhtar's portal; the reply action queued his "answered" SMS itself
            # (hub.actions.notify.muhtar_answered), so nothing is sent from here.
            return {"via": "muhtar_portal"}
        if channel == "youtube":
            return await self._youtube_reply(row, view)
        if channel in ("webform", "api", "beyaz_masa") or (
            self.hub.connectors and self.hub.connectors.sender_for(channel) is None
        ):
            # No channel to answer on: the answer shows on the status page, and
            # the "answered" notification (SMS / e-mail) tells the citizen.
            if not p.get("auto"):
                await self.hub.db.run(self._notify_answered, row)
            return {"via": "status_page"}
        reply_to = dict(p.get("reply_to") or {})
        if channel in EXPORT_CHANNELS and view.get("outcome"):
            reply_to.setdefault("sonuc", view["outcome"])  # the export file's Sonuç column
        return await self._send_on_channel(
            channel,
            reply_to,
            p["text"],
            row,
            subject=view.get("subject"),
            tracking_code=view.get("tracking_code"),
            last_inbound_at=view["last_inbound"].get(channel),
        )

    async def _youtube_reply(self, row: Outbox, view: dict) -> dict[str, Any]:
        """A public reply comment. Without OAuth nothing can be posted: recorded as skipped, and
        the request page asks the agent to answer by hand on YouTube (never shown as sent)."""
        p = row.payload or {}
        if self.hub.connectors is None or self.hub.connectors.sender_for("youtube") is None:
            if p.get("auto"):
                raise Skip("automatic acknowledgement not sent on youtube (no YouTube OAuth)")
            raise Skip("manual: post this answer by hand as a reply on YouTube (no YouTube OAuth)")
        text = public_comment(p["text"], form_url=self.hub.settings.base_url + "/basvuru")
        return await self._send_on_channel("youtube", dict(p.get("reply_to") or {}), text, row,
                                           tracking_code=view.get("tracking_code"))  # fmt: skip

    def _phone_answer(self, row: Outbox) -> str | None:
        """Queue the SMS that carries a phone request's answer; when none can go, open a
        call-back task instead and say why (None: the SMS is queued)."""
        from hub.actions import callbacks, notify

        with self.hub.db.session() as session:
            lock = session.get_bind().dialect.name != "sqlite"
            req = session.get(Request, row.request_id, with_for_update=lock)
            if req is None:
                return None
            route = notify.route_for(session, req)
            if route is None:
                why = "no phone number to send the answer to"
            elif route["via"] == "sms" and not self.hub.settings.sms_url:
                why = "no SMS gateway configured (HUB_SMS_URL)"
            elif route["via"] == "sms" and not str(route.get("phone") or "").startswith("+905"):
                why = "the caller's number is not a mobile number"
            elif not notify.notify(session, req, "answered", extra={"answer": (row.payload or {}).get("text")}):
                why = "the answer SMS was already used for an earlier answer"
            else:
                return None
            callbacks.open_for(session, SYSTEM_WORKER, req, reason=why, message_id=row.message_id)
            return why

    def _notify_answered(self, row: Outbox) -> None:
        from hub.actions import notify

        with self.hub.db.session() as session:
            # Locked, so that a KVKK erasure running now either comes first (and the notice is
            # skipped) or waits and then scrubs the queued notice too.
            lock = session.get_bind().dialect.name != "sqlite"
            req = session.get(Request, row.request_id, with_for_update=lock)
            if req is not None:
                notify.notify(session, req, "answered", extra={"answer": (row.payload or {}).get("text")})

    async def _notify(self, row: Outbox) -> dict[str, Any]:
        p = row.payload or {}
        route = p.get("route") or {}
        view, dept = await self.hub.db.run(self._load, row)
        st = self.hub.settings
        via = route.get("via")
        channel_kind = (
            "sms"
            if via == "sms"
            else ("email" if via in ("email",) or route.get("channel") == "email" else "chat")
        )
        if channel_kind == "chat":
            channel_kind = "x" if route.get("channel") == "x" else "sms"
        muhtar = view["channel"] == "muhtar"  # his own request: his portal, not the citizen's status page
        status_url = st.base_url + (muhtar_portal_path(view["tracking_code"]) if muhtar
                                    else private_status_path(self.hub, view["tracking_code"]))  # fmt: skip
        youtube = via == "channel" and route.get("channel") == "youtube"
        if youtube:  # public: one acknowledgement, then the answer itself; the public status link only
            if p["stage"] != "received":
                raise Skip(f"public channel: the {p['stage']} notice is not posted on YouTube")
            channel_kind, status_url = "youtube", f"{st.base_url}/takip/{view['tracking_code']}"
        subject, body = notification_text(
            p["stage"], tracking_code=view["tracking_code"], department_name=dept["name"] if dept else None,
            answer=p.get("answer"), status_url=status_url,
            due_date=None, channel=channel_kind, municipality=st.municipality_name,
        )  # fmt: skip
        if muhtar:
            body = to_muhtar(body)
        if youtube:
            body = public_comment(body, form_url=st.base_url + "/basvuru")
        if via == "channel":
            return await self._send_on_channel(
                route["channel"],
                route.get("reply_to") or {},
                body,
                row,
                subject=subject,
                tracking_code=view["tracking_code"],
                last_inbound_at=view["last_inbound"].get(route["channel"]),
            )
        if via == "sms":
            gateway = self.sms_gateway()
            ref = await gateway.send(route["phone"], body, idempotency_key=row.idempotency_key)
            return {"via": "sms", "external_id": str(ref)[:200]}
        if via == "email":
            smtp = self.smtp_settings()
            msg = EmailMessage()
            msg["From"] = f"{st.municipality_name} <{smtp.from_address}>"
            msg["To"] = route["email"]
            msg["Subject"] = subject or view["tracking_code"]
            msg["Message-ID"] = f"<{row.idempotency_key.replace(':', '-')}@{st.mail_domain}>"
            msg["Auto-Submitted"] = "auto-generated"
            msg["X-Talep-Hub"] = "1"
            if smtp.reply_to:
                msg["Reply-To"] = smtp.reply_to
            msg.set_content(body)
            await send_email(msg, smtp)
            return {"via": "email"}
        raise PermanentDeliveryError(f"unknown notification route {via}")

    async def _push(self, row: Outbox) -> dict[str, Any]:
        """A Web Push notice to one phone of the department's staff (hub/workers/push_transport.py)."""
        from hub.workers.push_transport import deliver_push

        return await deliver_push(self.hub, row, self._load)

    def sms_gateway(self) -> SmsGateway:
        st = self.hub.settings
        if not st.sms_url:
            raise Skip("no SMS gateway configured (HUB_SMS_URL)")
        if self._sms is None:
            self._sms = SmsGateway(SmsGatewaySettings(
                url=st.sms_url, body_template=st.sms_body_template, method=st.sms_method,
                content_type=st.sms_content_type, username=st.sms_username,
                password=st.sms_password.get_secret_value() if st.sms_password else None,
                sender_id=st.sms_sender_id, success_regex=st.sms_success_regex,
            ))  # fmt: skip
        return self._sms
