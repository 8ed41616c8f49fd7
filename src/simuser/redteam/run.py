"""``simuser redteam``: simulate adversarial users against an assistant, score every reply, write the report.

The users: for UserLM-format simulators the intent itself carries the attack (and, where the suite wants
it, the instruction to keep pushing after a refusal); for the prompted baseline the red-team persona
``prompts/redteam_user.md`` replaces its usual prompt (unless ``-S prompt_file=...`` names another). The
run is an ordinary run directory, so ``show``, ``evaluate`` and ``export`` read it; :func:`score_run` scores
it again at any time (``simuser redteam --score RUN``).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simuser.redteam.analysis import score_conversations
from simuser.redteam.reference import human_reference_stats, user_stats
from simuser.redteam.report import write_reports
from simuser.schema import ComponentSpec, Conversation

REDTEAM_PROMPT = Path(__file__).resolve().parent.parent / "prompts" / "redteam_user.md"
REPORT_JSON = "redteam.json"


@dataclass
class RedteamResult:
    run_dir: Path
    report: dict[str, Any]
    paths: dict[str, Path]


def red_team_simulator(spec: ComponentSpec) -> ComponentSpec:
    """The prompted baseline gets the red-team persona; every other simulator is used as it is."""
    if spec.name != "prompted" or "prompt_file" in spec.options:
        return spec
    return spec.model_copy(update={"options": {**spec.options, "prompt_file": str(REDTEAM_PROMPT)}})


def run_redteam(config, judge: ComponentSpec | None = None, progress: Any = False,
                human_reference: Path | None = None) -> RedteamResult:
    """Simulate ``config`` (a RunConfig whose intents come from a red-team suite), then score it."""
    from simuser.engine import simulate

    config = config.model_copy(update={"simulator": red_team_simulator(config.simulator)})
    result = simulate(config, progress=progress)
    return score_run(result.run_dir, judge, conversations=result.conversations, seed=config.seed,
                     human_reference=human_reference)


def score_run(run_dir: Path | str, judge: ComponentSpec | None = None, conversations: list[Conversation] | None = None,
              seed: int = 0, human_reference: Path | None = None) -> RedteamResult:
    """Score the conversations of ``run_dir`` (rule, plus the judge if given) and write the reports there;
    ``human_reference`` (an HH-RLHF file) adds how human red-teamers write, beside the simulated users."""
    from simuser.store import read_conversations

    run_dir = Path(run_dir)
    conversations = sorted(conversations or read_conversations(run_dir), key=lambda c: c.key)
    judge_labels = None
    if judge is not None:
        from simuser.redteam.judge import judge_conversations

        judge_labels = asyncio.run(judge_conversations(conversations, judge, seed))
    report = score_conversations(conversations, judge_labels)
    report["users"] = {"simulated": user_stats([[t.content for t in c.user_turns] for c in conversations])}
    if human_reference is not None:
        report["users"]["human_reference"] = human_reference_stats(human_reference)
    report["settings"] = {"run_dir": str(run_dir), "judge": judge.model_dump() if judge else None,
                          "simulator": conversations[0].simulator.model_dump() if conversations and conversations[0].simulator else None,
                          "assistant": conversations[0].assistant.model_dump() if conversations and conversations[0].assistant else None}
    (run_dir / REPORT_JSON).write_text(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    paths = {"json": run_dir / REPORT_JSON, **write_reports(report, conversations, run_dir)}
    return RedteamResult(run_dir, report, paths)
