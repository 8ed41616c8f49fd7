"""``export_run``: read a run, filter, de-duplicate, write one format and its dataset card."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from simuser.errors import UserError
from simuser.export.card import card_path, render_card
from simuser.export.dedup import DEFAULT_THRESHOLD, DedupReport, deduplicate
from simuser.export.filters import ExportFilters, FilterReport, apply_filters
from simuser.export.formats import formats

DEDUP_MODES = ("none", "exact", "near")


@dataclass
class ExportResult:
    paths: list[Path]
    card: Path | None
    total: int
    exported: int
    filters: FilterReport
    dedup: DedupReport
    notes: list[str] = field(default_factory=list)


def export_run(source: Path | str, out: Path | str, format: str = "chat-jsonl", filters: ExportFilters | None = None,
               dedup: str = "none", near_threshold: float = DEFAULT_THRESHOLD, card: bool = True,
               push_to_hub: str | None = None) -> ExportResult:
    """Export ``source`` (a run directory or JSONL) to ``out`` in ``format``; see the package docstring.

    ``dedup``: ``"none"`` (default: an export keeps every conversation), ``"exact"``, or ``"near"`` (exact,
    plus Jaccard of word 3-grams >= ``near_threshold``; rule in :mod:`simuser.export.dedup`).
    """
    if dedup not in DEDUP_MODES:
        raise UserError(f"dedup {dedup!r}: choose one of {', '.join(DEDUP_MODES)}")
    from simuser.store import read_conversations

    writer = formats.create(format)
    conversations = read_conversations(source)
    kept, filter_report = apply_filters(conversations, filters or ExportFilters())
    dedup_report = DedupReport()
    if dedup != "none":
        kept, dedup_report = deduplicate(kept, near_threshold if dedup == "near" else None)
    if not kept:
        raise UserError(f"{source}: no conversation left after the filters ({filter_report.dropped}); loosen them")
    out = Path(out)
    paths = writer.write(kept, out)
    card_file = _write_card(kept, source, out, format, writer.output, len(conversations), filter_report, dedup_report) if card else None
    if push_to_hub:
        _push(kept, push_to_hub, card_file)
    return ExportResult(paths, card_file, len(conversations), len(kept), filter_report, dedup_report, filter_report.notes)


def _write_card(kept, source, out: Path, format: str, output: str, total: int, filters: FilterReport,
                dedup: DedupReport) -> Path:
    info = {"source": str(source), "manifest": _manifest(Path(source)), "format": format, "total": total,
            "filters": {k: v for k, v in filters.dropped.items() if v}, "dedup": {"exact": dedup.exact, "near": dedup.near}}
    path = card_path(out, output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_card(kept, info), encoding="utf-8")
    return path


def _manifest(source: Path) -> dict:
    from simuser.store import RUN_FILE, RunStore

    if source.is_dir() and (source / RUN_FILE).exists():
        return RunStore(source).load_manifest().model_dump(mode="json")
    return {}


def _push(kept, repo: str, card_file: Path | None) -> None:
    """Upload as a Hugging Face dataset (needs network and a token, e.g. HF_TOKEN); not run in tests."""
    from simuser.export.formats import to_dataset

    to_dataset(kept).push_to_hub(repo)
    if card_file is not None:
        from huggingface_hub import HfApi

        HfApi().upload_file(path_or_fileobj=str(card_file), path_in_repo="README.md", repo_id=repo, repo_type="dataset")
