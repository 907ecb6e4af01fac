"""Real mail servers on loopback for the e-mail channel tests.

* ``dovecot``: a private Dovecot IMAP server (session-scoped) with its own config in
  a temp dir; never the system one. ``mailbox`` gives each test a fresh user.
* ``smtp_server``: an aiosmtpd server that records what it receives;
  ``smtp_server_down`` reserves a port and starts only when the test says so.

Import the fixtures into a test module:
``dovecot = email_fixtures.dovecot`` (plain import trips ruff F811)
"""

from __future__ import annotations

import email
import email.policy
import itertools
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from connectors.email import ImapConfig

ROOT = Path(__file__).resolve().parents[1]
ENSURE_SCRIPT = ROOT / "scripts" / "ensure-dovecot.sh"
_SBIN = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
DEFAULT_USER = "talep"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _which(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in _SBIN:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


def ensure_dovecot() -> tuple[str, str]:
    """Paths of ``dovecot`` and ``doveadm``; installs them with the project script if needed.

    Skips the calling test (only) when Dovecot cannot be installed on this machine.
    """
    dovecot, doveadm = _which("dovecot"), _which("doveadm")
    if dovecot and doveadm:
        return dovecot, doveadm
    proc = subprocess.run(["bash", str(ENSURE_SCRIPT)], capture_output=True, text=True, timeout=900)
    dovecot, doveadm = _which("dovecot"), _which("doveadm")
    if not (dovecot and doveadm):
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        pytest.skip(
            "Dovecot is not installed and scripts/ensure-dovecot.sh could not install it: " + " | ".join(tail)
        )
    return dovecot, doveadm


def make_certificate(cert: Path, key: Path) -> None:
    """A self-signed certificate for 127.0.0.1/localhost, for TLS tests."""
    openssl = _which("openssl")  # a dependency of dovecot-core, so present with Dovecot
    if openssl is None:
        pytest.skip("openssl is not installed; cannot make a test certificate")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@dataclass
class MailUser:
    server: DovecotServer
    name: str
    password: str

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        self.server.deliver(raw, self.name, folder)

    def config(self, **overrides: Any) -> ImapConfig:
        return self.server.imap_config(self, **overrides)


class DovecotServer:
    """A standalone Dovecot: own config, own base/state dirs, plaintext auth on 127.0.0.1 only."""

    def __init__(self, dovecot_bin: str, doveadm_bin: str, *, tls: bool = False) -> None:
        self.dovecot_bin = dovecot_bin
        self.doveadm_bin = doveadm_bin
        self.host = "127.0.0.1"
        self.port = free_port()
        # With tls: STARTTLS on ``port`` and implicit TLS on ``tls_port``, self-signed for 127.0.0.1.
        self.tls = tls
        self.tls_port = free_port() if tls else 0
        self.root = Path(tempfile.mkdtemp(prefix="talep-dovecot-"))
        # mkdtemp makes 0700; Dovecot's unprivileged processes must be able to walk in.
        self.root.chmod(0o755)
        self.conf = self.root / "dovecot.conf"
        self.cert = self.root / "cert.pem"
        self.key = self.root / "key.pem"
        self.users = self.root / "users"
        self.log = self.root / "dovecot.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._counter = itertools.count(1)
        self.pool_size = 200
        self.password = "Gizli-Parola-1"
        if os.geteuid() == 0:
            # Mail is never handled as root; use Dovecot's own accounts from the package.
            internal = pwd.getpwnam("dovecot") if _has_user("dovecot") else pwd.getpwnam("nobody")
            self.login_user = "dovenull" if _has_user("dovenull") else internal.pw_name
            self.internal_user = internal.pw_name
            self.uid, self.gid = internal.pw_uid, internal.pw_gid
        else:
            me = pwd.getpwuid(os.getuid())
            self.login_user = self.internal_user = me.pw_name
            self.uid, self.gid = me.pw_uid, me.pw_gid

    def _write_config(self) -> None:
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(exist_ok=True)
        os.chown(self.root / "home", self.uid, self.gid)
        # All users exist from the start: Dovecot rereads a changed passwd-file only once a second.
        names = [DEFAULT_USER] + [f"user{n}" for n in range(1, self.pool_size + 1)]
        lines = [
            f"{name}:{{PLAIN}}{self.password}:{self.uid}:{self.gid}::{self.root}/home/{name}\n"
            for name in names
        ]
        self.users.write_text("".join(lines))
        if self.tls:
            self._make_certificate()
            ssl_settings = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{self.key}\n"
            imaps = f"address = {self.host}\n    port = {self.tls_port}\n    ssl = yes"
        else:
            ssl_settings = "ssl = no\n"
            imaps = "port = 0"
        self.conf.write_text(
            f"""# Written by tests/email_fixtures.py; a throwaway test server.
protocols = imap
listen = {self.host}
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
{ssl_settings}disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {self.login_user}
default_internal_user = {self.internal_user}
first_valid_uid = {1 if self.uid else 0}
first_valid_gid = 0
mail_location = maildir:~/Maildir
mail_privileged_group =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.users}
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    {imaps}
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""
        )

    def _make_certificate(self) -> None:
        make_certificate(self.cert, self.key)

    def start(self) -> None:
        self._write_config()
        self.proc = subprocess.Popen(
            [self.dovecot_bin, "-c", str(self.conf), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(
                    f"dovecot ({self.version()}) exited at start; this config is for Dovecot 2.3: "
                    f"{err.strip()} {self.log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on {self.host}:{self.port}: {self.log_tail()}")

    def version(self) -> str:
        proc = subprocess.run([self.dovecot_bin, "--version"], capture_output=True, text=True, timeout=30)
        return proc.stdout.strip() or "unknown version"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def add_user(self) -> MailUser:
        """The next unused mailbox from the pool written with the config."""
        n = next(self._counter)
        if n > self.pool_size:
            raise RuntimeError(f"test mailbox pool of {self.pool_size} exhausted")
        return MailUser(self, f"user{n}", self.password)

    def doveadm(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run(
            [self.doveadm_bin, "-c", str(self.conf), *args], input=input, capture_output=True, timeout=60
        )
        if proc.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
        return proc

    @property
    def user(self) -> MailUser:
        """The shared default mailbox (``talep``); tests wanting an empty one use ``add_user``."""
        return MailUser(self, DEFAULT_USER, self.password)

    def deliver(self, raw: bytes, user: str = DEFAULT_USER, folder: str = "INBOX") -> None:
        """Put a message into a mailbox the way the MTA's local delivery would (``doveadm save``)."""
        self.doveadm("save", "-u", user, "-m", folder, input=raw)

    def imap_config(self, user: MailUser | None = None, **overrides: Any) -> ImapConfig:
        """An ``ImapConfig`` for this server (plaintext on loopback); ``user`` defaults to ``talep``."""
        user = user or self.user
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "ssl": False,
            "starttls": False,
            "username": user.name,
            "password": user.password,
            "poll_interval": 1.0,
            "timeout": 10.0,
            "own_domains": frozenset({"kayseri.bel.tr"}),
        }
        values.update(overrides)
        return ImapConfig(**values)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


_SERVER: DovecotServer | None = None


@pytest.fixture(scope="session")
def dovecot() -> Any:
    """The shared test Dovecot (started once per session, stopped at the end)."""
    global _SERVER
    if _SERVER is None:
        dovecot_bin, doveadm_bin = ensure_dovecot()
        server = DovecotServer(dovecot_bin, doveadm_bin)
        server.start()
        _SERVER = server
    yield _SERVER
    if _SERVER is not None:
        _SERVER.stop()
        _SERVER = None


@pytest.fixture(scope="session")
def dovecot_tls() -> Any:
    """A second Dovecot with TLS: STARTTLS on ``port``, implicit TLS on ``tls_port``; trust ``cert``."""
    dovecot_bin, doveadm_bin = ensure_dovecot()
    server = DovecotServer(dovecot_bin, doveadm_bin, tls=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> MailUser:
    """A fresh, empty mailbox user for one test."""
    return dovecot.add_user()


# -- SMTP --------------------------------------------------------------------------------------


@dataclass
class _Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class _RecordingHandler:
    received: list[_Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # 550 for these recipients
    defer: set[str] = field(default_factory=set)  # 450 for these recipients

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        if address.lower() in self.defer:
            return "450 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(_Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


class SmtpTestServer:
    """aiosmtpd on 127.0.0.1 with a fixed port, so it can be started after a client failed to reach it."""

    def __init__(self, port: int | None = None, tls_context: ssl.SSLContext | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.handler = _RecordingHandler()
        self.tls_context = tls_context  # offers STARTTLS when set
        self._controller: Controller | None = None

    @property
    def received(self) -> list[_Received]:
        return self.handler.received

    @property
    def running(self) -> bool:
        return self._controller is not None

    def _make_certificate(self) -> None:
        openssl = _which("openssl")  # a dependency of dovecot-core, so present with Dovecot
        if openssl is None:
            pytest.skip("openssl is not installed; cannot make a test certificate")
        subprocess.run(
            [
                openssl,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(self.key),
                "-out",
                str(self.cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        if self._controller is None:
            controller = Controller(
                self.handler, hostname=self.host, port=self.port, tls_context=self.tls_context
            )
            controller.start()
            self._controller = controller

    def version(self) -> str:
        proc = subprocess.run([self.dovecot_bin, "--version"], capture_output=True, text=True, timeout=30)
        return proc.stdout.strip() or "unknown version"

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Any:
    """A running SMTP server that records every message it accepts."""
    server = SmtpTestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server_tls(tmp_path: Path) -> Any:
    """A running SMTP server offering STARTTLS with a self-signed certificate (``.cert``)."""
    cert, key = tmp_path / "smtp-cert.pem", tmp_path / "smtp-key.pem"
    make_certificate(cert, key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpTestServer(tls_context=context)
    server.cert = cert  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server_down() -> Any:
    """An SMTP server that is not running yet; call ``.start()`` to bring it up on the same port."""
    server = SmtpTestServer()
    yield server
    server.stop()
