"""Training data out: a run's conversations as chat JSONL, OpenAI fine-tuning JSONL, ShareGPT, a Hugging Face
dataset or parquet, filtered, de-duplicated and with a dataset card.

:func:`export_run` is what ``simuser export`` calls. Formats are a registry (:data:`formats`) so others can
add one the same way (built-ins below as ``"module:attr"`` strings; plugins through the entry-point group
``simuser.export_formats``); a format is any object with ``write(records, out) -> list[Path]`` and an
``output`` of ``"file"`` or ``"directory"`` (see :class:`ExportFormat`).
"""

from simuser.export.dedup import DedupReport, deduplicate
from simuser.export.filters import ExportFilters, apply_filters
from simuser.export.formats import ExportFormat, formats
from simuser.export.run import ExportResult, export_run

__all__ = [
    "DedupReport",
    "ExportFilters",
    "ExportFormat",
    "ExportResult",
    "apply_filters",
    "deduplicate",
    "export_run",
    "formats",
]
