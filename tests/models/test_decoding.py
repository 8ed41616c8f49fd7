"""simuser's decoder: per-conversation KV caches (same greedy text, token for token), the memory cap,
per-row random streams (same sampled text at any batch size and across resume), freeing on release.

The simulator is the UserLM one on a tiny random Llama whose weights are scrambled so its output depends
on the prompt; the assistant is a local fake whose reply depends on the conversation, and which fails
some conversations at their second turn, so conversations end at different steps and the batch is
refilled from the queue while others still hold caches.
"""

from __future__ import annotations

import pytest

from simuser.assistants import AssistantReply
from simuser.engine import RunConfig, simulate
from simuser.engine.progress import SilentProgress
from simuser.models import decoding
from simuser.schema import ComponentSpec, EndReason, Intent
from simuser.users.userlm import UserLMSimulator

torch = pytest.importorskip("torch")

INTENTS = [Intent(id=f"i{k}", text=f"You are a user chatting with an assistant language model to do task {k}")
           for k in range(4)]


def scramble(model, seed: int = 0) -> None:
    """Large random weights and an untied output layer: greedy output depends on the prompt."""
    torch.manual_seed(seed)
    with torch.no_grad():
        model.lm_head = torch.nn.Linear(model.config.hidden_size, model.config.vocab_size, bias=False)
        for name, parameter in model.named_parameters():
            if "norm" not in name:
                parameter.normal_(0, 1.0)


class Echo:
    """Replies with a digest of the conversation; fails `i1` conversations at their second turn."""

    def describe(self):
        return ComponentSpec(name="echo-test")

    async def respond(self, requests):
        replies = []
        for r in requests:
            turns = sum(m.role == "user" for m in r.messages)
            if r.conversation_id.startswith("i1:") and turns == 2:
                replies.append(AssistantReply.failed("HTTP 500"))
            else:
                replies.append(AssistantReply(f"ok {turns}: {r.messages[-1].content[:12]}"))
        return replies

    async def aclose(self):
        pass


@pytest.fixture(scope="module")
def userlm(tiny_userlm_dir):
    def make(**options) -> UserLMSimulator:
        options = {"model": str(tiny_userlm_dir), "device": "cpu", "max_new_tokens": 8, "max_retries": 1, **options}
        simulator = UserLMSimulator(**options).load()
        scramble(simulator.model)
        return simulator

    return make


@pytest.fixture
def calls():
    seen: list[decoding.DecodeCall] = []
    decoding.observers.append(seen.append)
    yield seen
    decoding.observers.remove(seen.append)


def run_config(tmp_path=None, **overrides) -> RunConfig:
    fields = {"intents": INTENTS, "n": 2, "max_turns": 4, "batch_size": 3, "seed": 5,
              "out": tmp_path / "run" if tmp_path else None, **overrides}
    return RunConfig(**fields)


def texts(result) -> dict[tuple[str, int], list[str]]:
    return {c.key: [m.content for m in c.messages] + [c.end_reason.value] for c in result.conversations}


def test_cache_on_and_off_give_the_same_greedy_conversations(userlm, calls):
    cached, plain = userlm(do_sample=False), userlm(do_sample=False, kv_cache_bytes=0)
    with_cache = simulate(run_config(), simulator=cached, assistant=Echo(), progress=False)
    reused_with = sum(c.reused_tokens for c in calls)
    calls.clear()
    without = simulate(run_config(), simulator=plain, assistant=Echo(), progress=False)
    assert texts(with_cache) == texts(without)
    assert reused_with > 0 and sum(c.reused_tokens for c in calls) == 0
    reasons = {c.end_reason for c in with_cache.conversations}
    assert EndReason.ASSISTANT_ERROR in reasons and len(reasons) >= 2, "conversations must end at different steps"
    assert len(cached.cache) == 0, "finished conversations' caches are freed"


def test_memory_cap_falls_back_to_prefill_with_the_same_text(userlm, calls):
    plain = userlm(do_sample=False, kv_cache_bytes=0)
    config = plain.model.config
    per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * (config.hidden_size // config.num_attention_heads) * 4
    tight = userlm(do_sample=False, kv_cache_bytes=150 * per_token)  # a few short conversations' caches, no more
    plain = userlm(do_sample=False, kv_cache_bytes=0)
    calls.clear()
    capped = simulate(run_config(), simulator=tight, assistant=Echo(), progress=False)
    assert tight.cache.stats["rejected_for_memory"] > 0 and tight.cache.stats["stored"] > 0
    assert sum(c.reused_tokens for c in calls) > 0
    assert texts(capped) == texts(simulate(run_config(), simulator=plain, assistant=Echo(), progress=False))


def test_sampled_conversations_do_not_depend_on_batch_size(userlm):
    simulator = userlm(do_sample=True, temperature=1.0, top_p=0.9)
    runs = [texts(simulate(run_config(batch_size=b), simulator=simulator, assistant=Echo(), progress=False))
            for b in (1, 3, 8)]
    assert runs[0] == runs[1] == runs[2]
    firsts = {turns[0] for turns in runs[0].values()}
    assert len(firsts) > 1, "sampled openings should differ between conversations, or the check proves nothing"


class Interrupt(SilentProgress):
    """Stops the run (like Ctrl-C) once `after` conversations have finished."""

    def __init__(self, after: int):
        self.after, self.finished = after, 0

    def conversation_finished(self, conversation):
        self.finished += 1
        if self.finished == self.after:
            raise KeyboardInterrupt


def test_sampled_conversations_are_the_same_after_kill_and_resume(userlm, tmp_path):
    simulator = userlm(do_sample=True, temperature=1.0, top_p=0.9)
    whole = texts(simulate(run_config(batch_size=3), simulator=simulator, assistant=Echo(), progress=False))
    config = run_config(tmp_path, batch_size=3)
    with pytest.raises(KeyboardInterrupt):
        simulate(config, simulator=simulator, assistant=Echo(), progress=Interrupt(after=3))
    resumed = simulate(config, simulator=simulator, assistant=Echo(), progress=False, resume=True)
    assert len(resumed.conversations) == 8
    assert texts(resumed) == whole


def test_guardrail_retries_draw_from_each_rows_own_stream(userlm):
    from simuser.users import ConversationState

    simulator = userlm(do_sample=True, temperature=1.0, max_retries=3, min_words=3)
    states = [ConversationState(intent, (), seed=k, key=f"{intent.id}:0") for k, intent in enumerate(INTENTS)]
    import asyncio

    together = asyncio.run(simulator.next_turns(states))
    alone = [asyncio.run(simulator.next_turns([s]))[0] for s in states]
    assert [(t.text, t.metadata["attempts"]) for t in together] == [(t.text, t.metadata["attempts"]) for t in alone]
    assert any(t.metadata["attempts"] > 1 for t in together), "some rows should have been redrafted"


async def test_transformers_chat_model_keeps_caches_by_key_and_frees_them_on_release(tiny_chat_dir, tmp_path, calls):
    import shutil

    from simuser.models.chat import Sampling, build_chat_model

    private = shutil.copytree(tiny_chat_dir, tmp_path / "model")  # its own copy in the shared model cache: scrambled below
    model = build_chat_model({"name": "transformers", "options": {"model": str(private), "device": "cpu"}})
    scramble(model.local.model_and_tokenizer[0], seed=1)
    chats = [[{"role": "user", "content": f"hello there number {k}"}] for k in range(3)]
    sampling = Sampling(max_new_tokens=6, temperature=1.0)
    first = await model.generate(chats, sampling, seeds=[1, 2, 3], cache_keys=["a", "b", "c"])
    assert sorted(model.local.cache._entries) == ["a", "b", "c"]
    follow = [[*chat, {"role": "assistant", "content": g.text}, {"role": "user", "content": "and then?"}]
              for chat, g in zip(chats, first, strict=True)]
    calls.clear()
    cached = await model.generate(follow, sampling, seeds=[4, 5, 6], cache_keys=["a", "b", "c"])
    assert calls[0].reused_tokens > 0
    alone = [(await model.generate([chat], sampling, seeds=[seed]))[0] for chat, seed in zip(follow, [4, 5, 6], strict=True)]
    assert [g.text for g in cached] == [g.text for g in alone]
    for key in "abc":
        model.release(key)
    assert len(model.local.cache) == 0 and model.local.cache.nbytes == 0


@pytest.mark.parametrize(("temperature", "top_p"), [(1.0, 0.9), (0.7, 0.5), (1.3, 1.0)])
def test_temperature_and_top_p_match_transformers_warpers(temperature, top_p):
    from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper

    scores = torch.randn(4, 50, generator=torch.Generator().manual_seed(0)) * 3
    reference = LogitsProcessorList([TemperatureLogitsWarper(temperature)] + ([TopPLogitsWarper(top_p)] if top_p < 1 else []))
    expected = reference(torch.zeros(4, 1, dtype=torch.long), scores.clone())
    assert torch.equal(torch.isinf(decoding._warp(scores, temperature, top_p)), torch.isinf(expected))
    assert torch.allclose(decoding._warp(scores, temperature, top_p).softmax(-1), expected.softmax(-1))


def _draws(scores, top_p, seeds):
    generators = [torch.Generator().manual_seed(s) for s in seeds]
    return decoding._draw(scores, 1.0, top_p, generators).tolist()


def test_nucleus_draw_keeps_the_warper_s_tokens_with_their_probabilities():
    """Rows whose nucleus fits among the candidates and rows that fall back to the whole vocabulary both draw
    only the tokens :func:`_warp` keeps, in proportion to their probabilities."""
    vocab = 2000
    peaked = torch.full((vocab,), -20.0)
    peaked[[7, 99, 1500]] = torch.tensor([2.0, 1.0, 0.0])  # nucleus at top_p 0.9: 7 and 99 (0.67 + 0.24 >= 0.9)
    flat = torch.randn(vocab, generator=torch.Generator().manual_seed(1)) * 0.1  # nucleus of ~1,800 tokens: fallback
    scores = torch.stack([peaked, flat])
    kept = [set(torch.nonzero(~torch.isinf(decoding._warp(scores[i:i + 1], 1.0, 0.9)[0])).flatten().tolist()) for i in range(2)]
    assert kept[0] == {7, 99} and len(kept[1]) > decoding.NUCLEUS_CANDIDATES
    draws = [_draws(scores, 0.9, [seed, seed]) for seed in range(600)]
    peaked_draws = [d[0] for d in draws]
    assert set(peaked_draws) == {7, 99}
    share = peaked_draws.count(7) / len(peaked_draws)  # 0.665 / (0.665 + 0.245) = 0.73
    assert abs(share - 0.73) < 0.06
    assert {d[1] for d in draws} <= kept[1]


def test_a_row_s_draw_does_not_depend_on_its_batch_mates():
    scores = torch.randn(5, 3000, generator=torch.Generator().manual_seed(2)) * 4
    together = _draws(scores, 0.8, [11, 12, 13, 14, 15])
    alone = [_draws(scores[i:i + 1], 0.8, [11 + i])[0] for i in range(5)]
    assert together == alone


def test_a_zero_top_p_keeps_the_likeliest_token():
    scores = torch.randn(3, 500, generator=torch.Generator().manual_seed(3))
    assert _draws(scores, 0.0, [1, 2, 3]) == scores.argmax(dim=-1).tolist()
