"""A throwaway PostgreSQL server that a test starts, stops and restarts itself.

Outage tests need a database they may kill without disturbing the shared one
(and the other tests using it). Usage:

    from tests.pg_server import PgServer, require_pg_binaries

    def test_outage(tmp_path):
        bindir = require_pg_binaries()          # pytest.skip with a reason if missing
        with PgServer(tmp_path, bindir) as pg:  # initdb + start on a free loopback port
            url = pg.url                        # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
            pg.stop()                           # mid-load: connections drop, new ones are refused
            pg.start()                          # same port, same data

or `pg = PgServer(tmp_path).start()` ... `pg.close()`. The server runs with fsync off
and trust auth, listening on 127.0.0.1 only; as root it runs as the `postgres` account.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN_CANDIDATES = ["/usr/lib/postgresql/15/bin", *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)]


def find_pg_binaries() -> Path | None:
    """The first directory holding initdb, pg_ctl and postgres (PG_BINDIR wins), or None."""
    candidates = [os.environ["PG_BINDIR"]] if os.environ.get("PG_BINDIR") else []
    candidates += PG_BIN_CANDIDATES
    for c in candidates:
        d = Path(c)
        if all((d / b).is_file() for b in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def require_pg_binaries() -> Path:
    d = find_pg_binaries()
    if d is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin; "
                    "install postgresql-15 or set PG_BINDIR")  # fmt: skip
    return d


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One private cluster: initdb'd on first start, kept across stop/start."""

    def __init__(self, tmp_path: Path, bindir: Path | None = None, port: int | None = None) -> None:
        self.bindir = bindir or require_pg_binaries()
        self.port = port or free_port()
        # PostgreSQL refuses to run as root: run it as the `postgres` account, in a
        # directory that account can reach (pytest's tmp dirs are private to root).
        self._user: str | None = None
        if os.geteuid() == 0:
            self._user = "postgres"
            self.base = Path(tempfile.mkdtemp(prefix="hub-pg-"))
            shutil.chown(self.base, self._user)
            self._own_base = True
        else:
            self.base = tmp_path / "pg"
            self.base.mkdir(parents=True, exist_ok=True)
            self._own_base = False
        self.datadir = self.base / "data"
        self.logfile = self.base / "server.log"
        self._initialised = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), user=self._user, cwd=self.base, capture_output=True, text=True,
                              timeout=timeout, check=True)  # fmt: skip

    def _init(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        self._initialised = True

    def start(self) -> PgServer:
        if not self._initialised:
            self._init()
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off -c max_connections=100"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", opts, "-l", str(self.logfile),
                  "-w", "-t", "60", "start")  # fmt: skip
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL on port {self.port} did not come up: {self.log_tail()}") from None
                time.sleep(0.1)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends open sessions, `immediate` is like a crash."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        r = subprocess.run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "status"], user=self._user,
                           cwd=self.base, capture_output=True, text=True)  # fmt: skip
        return r.returncode == 0

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def close(self) -> None:
        if self._initialised and self.datadir.exists() and self.running():
            self.stop("immediate")
        if self._own_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
