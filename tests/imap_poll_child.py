"""A hub process that only polls one IMAP mailbox, for tests/test_email_imap_chunks.py.

    imap_poll_child.py DB_URL DATA_DIR MODEL_DIR RULES HOST PORT USER PASSWORD CHUNK drain|kill

``drain`` polls until the folder is read. ``kill`` stores the first chunk, then SIGKILLs
itself inside the second one, after its rows were written and before the commit.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from connectors.email import ImapConfig, ImapSource
from hub.connectors_runtime import ConnectorRuntime
from hub.context import Hub
from hub.settings import Settings


def say(text: str) -> None:
    print(text, flush=True)


async def main(argv: list[str]) -> None:
    url, data_dir, models, rules, host, port, user, password, chunk, mode = argv
    settings = Settings(database_url=url, data_dir=Path(data_dir), classifier_model_dir=Path(models),
                        rules_file=Path(rules), workers_enabled=False)  # fmt: skip
    hub = Hub(settings)
    cfg = ImapConfig(host=host, port=int(port), ssl=False, username=user, password=password,
                     max_batch=int(chunk), own_domains=frozenset({"kayseri.bel.tr"}))  # fmt: skip
    source = ImapSource(cfg)
    runtime = ConnectorRuntime(hub)
    runtime.add_polled(source, 1.0)
    real_fetch = source.fetch

    async def fetch(checkpoint: str | None) -> Any:
        result = await real_fetch(checkpoint)
        say(f"fetched {len(result.messages) + len(result.quarantined)}")
        return result

    source.fetch = fetch  # type: ignore[method-assign]
    if mode == "kill":
        await runtime.poll_once(source)
        say("committed")
        real_ingest = hub.intake.ingest_batch_in

        def ingest_then_die(*args: Any, **kw: Any) -> Any:
            real_ingest(*args, **kw)
            say("written, not committed")
            os.kill(os.getpid(), signal.SIGKILL)

        hub.intake.ingest_batch_in = ingest_then_die  # type: ignore[method-assign]
        await runtime.poll_once(source)
        say("not killed")
        return
    while (await runtime.poll_once(source)).backlog:
        pass
    await source.close()
    say("drained")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
