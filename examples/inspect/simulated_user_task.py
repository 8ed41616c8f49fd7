"""An Inspect task in which simuser's user model plays the user against the model under test.

    inspect eval examples/inspect/simulated_user_task.py --model openai/gpt-4o-mini
    inspect eval examples/inspect/simulated_user_task.py --model mockllm/model -T simulator=scripted   # plumbing check

With ``-T simulator=userlm`` (the default) the user is simuser's shipped user model (offline, CPU); for
UserLM-8b served by vLLM use ``-T simulator=userlm-completions`` and set the endpoint in ``USER_OPTIONS``.
(Inspect's mockllm counts tokens with tiktoken, which downloads its encoding once: the plumbing check needs
the network the first time; tests/integrations/test_inspect.py runs this task fully offline.) The scorer asks the model under test's last reply to mention what the user came for (a stand-in: put your
own scorer here, e.g. ``model_graded_qa()``).
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import system_message

from simuser.integrations.inspect import simulated_user

USER_OPTIONS = {
    "userlm": {},
    "userlm-completions": {"base_url": "http://localhost:8000/v1", "model": "microsoft/UserLM-8b"},
    "scripted": {"turns": ["hi, I need help planning a weekend in Lisbon", "what about food?", "thanks!"]},
}

SAMPLES = [
    Sample(input="plan a weekend in Lisbon on a small budget", target="Lisbon"),
    Sample(input="find out how to descale a kettle with vinegar", target="vinegar"),
]


@task
def simulated_users(simulator: str = "userlm", max_turns: int = 4) -> Task:
    return Task(
        dataset=SAMPLES,
        solver=[system_message("You are a helpful assistant. Answer briefly."),
                simulated_user(simulator, options=USER_OPTIONS.get(simulator, {}), max_turns=max_turns)],
        scorer=includes(),
    )
