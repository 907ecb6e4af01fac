"""File-based channels: CİMER, MBS and e-Devlet list import/export, and the Alo 153 call-log folder.

Public interface::

    import_file(path, kind="cimer"|"mbs"|"edevlet", mapping=None) -> ImportResult
    ImportRun(path, kind=...) .batches() -> messages a batch at a time (large files)
    write_answers(path, answers, kind=..., fmt="xlsx"|"csv") -> int
    ExportSender(directory, channel="cimer"|"mbs"|"edevlet", fmt=...)   # ReplySink
    CallLogFolderSource(folder, done_dir=None, error_dir=None)  # PolledSource, channel "phone"
"""

from connectors.imports.calllog import CallLogFolderSource, CallStats, is_request
from connectors.imports.export import Answer, ExportSender, read_answers, write_answers
from connectors.imports.importer import (
    DEFAULT_MAX_BYTES,
    IMPORT_KINDS,
    ImportResult,
    ImportRun,
    import_bytes,
    import_file,
)
from connectors.imports.mapping import ImportRejected, Mapping, MappingError, default_mapping, load_mapping
from connectors.imports.records import RowError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IMPORT_KINDS",
    "Answer",
    "CallLogFolderSource",
    "CallStats",
    "ExportSender",
    "ImportRejected",
    "ImportResult",
    "ImportRun",
    "Mapping",
    "MappingError",
    "RowError",
    "default_mapping",
    "import_bytes",
    "import_file",
    "is_request",
    "load_mapping",
    "read_answers",
    "write_answers",
]
