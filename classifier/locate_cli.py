"""`python -m classifier locate`: JSON lines in, one LocateResult JSON line out per input line."""

from __future__ import annotations

import json
import sys
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # classifier.locator imports this module
    from classifier.locator import Locator


def run_locate_cli(
    stdin: IO[str], stdout: IO[str], locator: Locator | None = None, stderr: IO[str] | None = None
) -> int:
    """JSON lines in ({"text": ..., "ilce": optional}), one JSON answer line out per input line.

    A line that is not a JSON object with a string "text" gets an answer line
    {"error": "...", "line": N} (so outputs stay aligned with inputs), a message on stderr, and the
    function returns 2 after processing all lines. Blank lines are skipped. Returns 0 otherwise.
    """
    err = stderr if stderr is not None else sys.stderr
    if locator is None:
        from classifier.locator import Locator  # deferred: classifier.locator re-exports this function

        locator = Locator.default()
    loc = locator
    status = 0
    # Read bytes when we can, so one badly encoded line is reported instead of ending the run.
    source = getattr(stdin, "buffer", None) or stdin
    for lineno, raw in enumerate(source, start=1):
        try:
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            if not raw.strip():
                continue
            obj = json.loads(raw)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError('expected an object with a string "text"')
            ilce = obj.get("ilce")
            if ilce is not None and not isinstance(ilce, str):
                raise ValueError('"ilce" must be a string or null')
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            msg = f"line {lineno}: {exc}"
            print(f"locate: {msg}", file=err)
            stdout.write(json.dumps({"error": msg, "line": lineno}, ensure_ascii=False) + "\n")
            status = 2
            continue
        res = loc.locate(obj["text"], ilce)
        stdout.write(json.dumps(res.to_dict(), ensure_ascii=False) + "\n")
    stdout.flush()
    return status
