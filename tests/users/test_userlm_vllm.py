"""The vLLM backend through vLLM's interface: a fake ``vllm`` module (LLM + SamplingParams) in sys.modules.

The fake keeps vLLM's calling convention (``LLM(**engine_args)``, ``get_tokenizer()``,
``generate(prompts, sampling_params, use_tqdm=...)`` returning ``RequestOutput``-shaped objects) and a real
tokenizer, and it honours ``logit_bias``, so the tests check what simuser asks of vLLM, not a mock script.
"""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace

import pytest

from simuser.errors import UserError
from simuser.schema import Intent, Message
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.users import ConversationState, TurnKind, simulators
from simuser.users.userlm_template import render_prompt

INTENT = Intent(id="x", text="You are a user chatting with an assistant language model to learn about vaccines")
ANSWER = "can you explain how vaccines work in simple words"


def state(turns: int, seed: int = 0) -> ConversationState:
    messages = []
    for k in range(turns):
        messages += [Message(role="user", content=f"question number {k} about vaccines"), Message(role="assistant", content="ok")]
    return ConversationState(INTENT, tuple(messages), seed)


class FakeLLM:
    """vLLM's offline engine, shrunk: answers with the end marker unless logit_bias forbids it, and opens
    with "I" the first time it sees a prompt when ``open_with_i`` is set."""

    def __init__(self, tokenizer_dir, open_with_i=False, **engine_args):
        from transformers import AutoTokenizer

        self.engine_args = engine_args
        self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
        self.open_with_i = open_with_i
        self.calls: list[tuple[list, list]] = []
        self.seen: set[tuple[int, ...]] = set()

    def get_tokenizer(self):
        return self.tokenizer

    def generate(self, prompts, sampling_params, use_tqdm=True):
        assert len(prompts) == len(sampling_params) and use_tqdm is False
        self.calls.append((prompts, sampling_params))
        return [SimpleNamespace(outputs=[self._complete(tuple(p["prompt_token_ids"]), sp)]) for p, sp in zip(prompts, sampling_params, strict=True)]

    def _complete(self, prompt_ids, params):
        end_id = self.tokenizer.get_vocab()[END_CONVERSATION]
        first_time = prompt_ids not in self.seen
        self.seen.add(prompt_ids)
        if (params.logit_bias or {}).get(end_id, 0) > -100:
            text = END_CONVERSATION
        elif self.open_with_i and first_time:
            text = "I think vaccines are scary honestly"
        else:
            text = ANSWER
        return SimpleNamespace(text=text, token_ids=self.tokenizer.encode(text, add_special_tokens=False), finish_reason="stop")


class SamplingParams:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.fixture
def fake_vllm(monkeypatch, tiny_userlm_dir):
    engines: list[FakeLLM] = []
    module = types.ModuleType("vllm")

    def make_llm(**engine_args):
        engines.append(FakeLLM(engine_args["model"], **engine_args))
        return engines[-1]

    module.LLM = make_llm
    module.SamplingParams = SamplingParams
    monkeypatch.setitem(sys.modules, "vllm", module)
    return engines


async def test_one_generate_call_with_token_id_prompts_and_per_row_params(fake_vllm, tiny_userlm_dir):
    sim = simulators.create("userlm-vllm", model=str(tiny_userlm_dir), dtype="bfloat16", tensor_parallel_size=2,
                            engine_options={"max_num_seqs": 512})
    turns = await sim.next_turns([state(1, seed=1), state(2, seed=2), state(3, seed=3)])
    [engine] = fake_vllm
    assert engine.engine_args == {"model": str(tiny_userlm_dir), "dtype": "bfloat16", "tensor_parallel_size": 2,
                                  "gpu_memory_utilization": 0.9, "enable_prefix_caching": True, "max_num_seqs": 512}
    [(prompts, params)] = engine.calls
    expected = render_prompt(INTENT.text, state(2).openai_messages())
    assert prompts[1]["prompt_token_ids"] == engine.tokenizer.encode(expected, add_special_tokens=False)
    assert engine.tokenizer.bos_token_id not in prompts[1]["prompt_token_ids"]
    eot = engine.tokenizer.get_vocab()[END_OF_TURN]
    assert all(p.stop_token_ids == [eot] and p.skip_special_tokens is False for p in params)
    assert len({p.seed for p in params}) == 3
    assert all(t.kind is TurnKind.END for t in turns)  # the fake ends whenever it is allowed to


async def test_end_marker_is_banned_by_logit_bias_before_min_turns(fake_vllm, tiny_userlm_dir):
    sim = simulators.create("userlm-vllm", model=str(tiny_userlm_dir), min_turns_before_end=2)
    turns = await sim.next_turns([state(0), state(1), state(2)])
    end_id = fake_vllm[0].tokenizer.get_vocab()[END_CONVERSATION]
    params = fake_vllm[0].calls[0][1]
    assert [p.logit_bias for p in params] == [{end_id: -100.0}, {end_id: -100.0}, None]
    assert [t.kind for t in turns] == [TurnKind.MESSAGE, TurnKind.MESSAGE, TurnKind.END]
    assert turns[0].text == ANSWER and turns[0].metadata["end_ban"] == "logit_bias"


async def test_banned_openings_are_redrawn_in_a_batch_of_just_those_rows(fake_vllm, tiny_userlm_dir):
    sim = simulators.create("userlm-vllm", model=str(tiny_userlm_dir), min_turns_before_end=9)
    sim.load()
    fake_vllm[0].open_with_i = True
    fake_vllm[0].seen.add(tuple(fake_vllm[0].tokenizer.encode(
        render_prompt(INTENT.text, state(1).openai_messages()), add_special_tokens=False)))
    turns = await sim.next_turns([state(0), state(1)])
    assert [len(prompts) for prompts, _ in fake_vllm[0].calls] == [2, 1]
    assert turns[0].text == ANSWER
    assert turns[0].metadata["banned_opening_rejections"] == ["I think vaccines are scary honestly"]
    assert "banned_opening_rejections" not in turns[1].metadata
    first, second = fake_vllm[0].calls
    assert first[1][0].seed != second[1][0].seed


def test_a_chat_model_is_refused_with_a_user_error(monkeypatch, tiny_chat_dir):
    module = types.ModuleType("vllm")
    module.LLM = lambda **kw: FakeLLM(kw["model"], **kw)
    module.SamplingParams = SamplingParams
    monkeypatch.setitem(sys.modules, "vllm", module)
    with pytest.raises(UserError, match="not in UserLM format"):
        simulators.create("userlm-vllm", model=str(tiny_chat_dir)).load()


def test_missing_vllm_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)
    sim = simulators.create("userlm-vllm", model="microsoft/UserLM-8b")
    assert sim.describe().options["model"] == "microsoft/UserLM-8b"  # naming the backend imports nothing
    with pytest.raises(UserError, match=r"pip install 'simuser\[vllm\]'"):
        sim.load()
