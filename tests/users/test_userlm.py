"""The UserLM simulator end to end on a tiny random Llama in UserLM format.

A random model says nothing sensible, so tests steer it: a bias on the output layer forces a token
(the end marker, a banned first word, a fixed word), or scrambled weights make greedy output depend on
the prompt (for the batching test).
"""

from __future__ import annotations

import asyncio

import pytest

from simuser.errors import UserError
from simuser.schema import Intent, Message
from simuser.tokens import BANNED_FIRST_WORDS, END_CONVERSATION
from simuser.users import ConversationState, TurnKind, UserSimulator, simulators
from simuser.users.userlm import UserLMSimulator

torch = pytest.importorskip("torch")

INTENT = Intent(id="trip", text="You are a user chatting with an assistant language model to plan a trip to Lisbon")


def history(*pairs: tuple[str, str]) -> list[Message]:
    messages = []
    for user, assistant in pairs:
        messages += [Message(role="user", content=user), Message(role="assistant", content=assistant)]
    return messages


def states(n: int, messages: list[Message] | None = None, intent: Intent = INTENT) -> list[ConversationState]:
    return [ConversationState(intent, messages or [], seed=seed) for seed in range(n)]


class BiasedHead(torch.nn.Module):
    """The model's output layer plus a fixed per-token bias."""

    def __init__(self, head: torch.nn.Module, bias: torch.Tensor):
        super().__init__()
        self.head = head
        self.register_buffer("bias", bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.head(hidden) + self.bias


def bias_tokens(model, token_ids, value: float = 40.0) -> None:
    bias = torch.zeros(model.config.vocab_size)
    bias[list(token_ids)] = value
    model.lm_head = BiasedHead(model.lm_head, bias)


def scramble(model, seed: int = 0) -> None:
    """Large random weights and an untied output layer: greedy output now depends on the prompt."""
    torch.manual_seed(seed)
    with torch.no_grad():
        model.lm_head = torch.nn.Linear(model.config.hidden_size, model.config.vocab_size, bias=False)
        for name, parameter in model.named_parameters():
            if "norm" not in name:
                parameter.normal_(0, 1.0)


@pytest.fixture
def make_sim(tiny_userlm_dir):
    def make(**options) -> UserLMSimulator:
        options = {"model": str(tiny_userlm_dir), "device": "cpu", "max_new_tokens": 8, **options}
        return UserLMSimulator(**options).load()

    return make


def run(coroutine):
    return asyncio.run(coroutine)


def banned_ids(tokenizer) -> set[int]:
    return {i for i in range(len(tokenizer)) if tokenizer.decode([i]).strip() in BANNED_FIRST_WORDS}


# Options, registry, loading ------------------------------------------------------------------------


def test_registered_as_userlm_and_describes_its_options(tiny_userlm_dir):
    simulator = simulators.create("userlm", model=str(tiny_userlm_dir), device="cpu", min_words=2)
    assert isinstance(simulator, UserLMSimulator) and isinstance(simulator, UserSimulator)
    spec = simulator.describe()
    assert spec.name == "userlm"
    assert spec.options["model"] == str(tiny_userlm_dir)
    assert (spec.options["min_words"], spec.options["temperature"], spec.options["top_p"]) == (2, 1.0, 0.8)
    assert UserLMSimulator(**spec.options).describe() == spec


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(UserError, match="unknown userlm option 'temprature'.*temperature"):
        UserLMSimulator(temprature=0.5)


def test_invalid_option_value_is_a_user_error():
    with pytest.raises(UserError, match="invalid userlm option 'top_p'"):
        UserLMSimulator(top_p=1.5)


def test_missing_model_names_the_model_and_the_fix(tmp_path):
    missing = tmp_path / "no-such-model"
    simulator = UserLMSimulator(model=str(missing), device="cpu")
    with pytest.raises(UserError, match=r"no-such-model.*--simulator-model") as error:
        simulator.load()
    assert "\n" not in str(error.value)


def test_loading_is_lazy(tmp_path):
    simulator = UserLMSimulator(model=str(tmp_path / "not-there"))  # no error until the model is needed
    assert simulator.describe().options["model"] == str(tmp_path / "not-there")
    with pytest.raises(UserError, match="not-there"):
        simulator.load()


def test_a_chat_model_without_userlm_tokens_is_rejected(tiny_chat_dir):
    with pytest.raises(UserError, match="not in UserLM format"):
        UserLMSimulator(model=str(tiny_chat_dir), device="cpu").load()


def test_adapter_is_loaded_on_top_of_the_base(make_sim, tiny_userlm_dir, tmp_path):
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    tuned = peft.get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_userlm_dir),
        peft.LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
    )
    tuned.save_pretrained(tmp_path / "adapter")
    base, adapted = make_sim(), make_sim(adapter=str(tmp_path / "adapter"))
    batch = adapted.encode([adapted.prompt(states(1)[0])])
    with torch.no_grad():
        expected, got, plain = (m(**batch).logits for m in (tuned, adapted.model, base.model))
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, plain, atol=1e-3)


def test_bad_adapter_directory_is_a_user_error(make_sim, tmp_path):
    with pytest.raises(UserError, match="not a peft adapter directory"):
        make_sim(adapter=str(tmp_path))


# End of conversation ------------------------------------------------------------------------------


def test_end_marker_ends_the_conversation_only_after_min_turns(make_sim):
    simulator = make_sim(min_turns_before_end=1, max_retries=1)
    end_id = simulator.tokenizer.convert_tokens_to_ids(END_CONVERSATION)
    bias_tokens(simulator.model, [end_id])
    first_turns = states(4)
    later_turns = states(4, history(("hello there, I need a hotel", "Sure, where?")))
    turns = run(simulator.next_turns(first_turns + later_turns))
    assert all(t.kind is not TurnKind.END for t in turns[:4])
    assert all(t.kind is TurnKind.END and t.text == "" for t in turns[4:])
    reasons = {r["reason"] for t in turns for r in t.metadata["rejections"]}
    assert "early_end" not in reasons, "suppressed at the logit level, not by resampling"


def test_end_marker_is_masked_per_row_while_generating(make_sim):
    simulator = make_sim()
    end_id = simulator.tokenizer.convert_tokens_to_ids(END_CONVERSATION)
    bias_tokens(simulator.model, [end_id])
    prompts = [simulator.prompt(s) for s in states(4)]
    rows = simulator.generate_ids(prompts, [False, True, False, True], seed=0)
    assert [end_id in row for row in rows] == [False, True, False, True]
    assert rows[1][0] == rows[3][0] == end_id


def test_min_turns_before_end_is_configurable(make_sim):
    simulator = make_sim(min_turns_before_end=2, max_retries=0)
    bias_tokens(simulator.model, [simulator.tokenizer.convert_tokens_to_ids(END_CONVERSATION)])
    one = history(("hello there, I need a hotel", "Sure, where?"))
    two = one + history(("somewhere near the river please", "Here are three."))
    turns = run(simulator.next_turns(states(2, one) + states(2, two)))
    assert [t.kind is TurnKind.END for t in turns] == [False, False, True, True]


def test_without_guardrails_the_user_may_end_at_once(make_sim):
    simulator = make_sim(guardrails=False)
    bias_tokens(simulator.model, [simulator.tokenizer.convert_tokens_to_ids(END_CONVERSATION)])
    assert all(t.kind is TurnKind.END for t in run(simulator.next_turns(states(3))))


# First-token ban ----------------------------------------------------------------------------------


def first_word_token(tokenizer, row: list[int]) -> int:
    return next(t for t in row if tokenizer.decode([t]).strip())


def test_first_token_ban_holds_at_the_logit_level(make_sim):
    simulator = make_sim()
    tokenizer = simulator.tokenizer
    banned = banned_ids(tokenizer)
    assert len(banned) >= 3  # "I", " I", "You", "Here" exist in the tiny vocabulary
    bias_tokens(simulator.model, banned)
    prompts = [simulator.prompt(s) for s in states(6)]
    rows = simulator.generate_ids(prompts, [True] * 6, seed=1)
    assert all(first_word_token(tokenizer, row) not in banned for row in rows)
    assert all(any(t in banned for t in row) for row in rows), "later tokens stay free"


def test_without_the_ban_the_biased_model_opens_with_a_banned_word(make_sim):
    simulator = make_sim(first_token_ban=False)
    banned = banned_ids(simulator.tokenizer)
    bias_tokens(simulator.model, banned)
    rows = simulator.generate_ids([simulator.prompt(s) for s in states(4)], [True] * 4, seed=1)
    assert all(row[0] in banned for row in rows)


def test_first_token_ban_takes_a_custom_word_list(make_sim):
    simulator = make_sim(first_token_ban=["Here"])
    tokenizer = simulator.tokenizer
    here, i = tokenizer.convert_tokens_to_ids("Here"), tokenizer.convert_tokens_to_ids("I")
    bias_tokens(simulator.model, [here, i])
    rows = simulator.generate_ids([simulator.prompt(s) for s in states(4)], [True] * 4, seed=2)
    assert all(first_word_token(tokenizer, row) == i for row in rows)


# Text guardrails through the simulator ------------------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 2])
def test_too_short_turns_are_resampled_up_to_max_retries(make_sim, max_retries):
    simulator = make_sim(min_words=50, max_retries=max_retries)
    turns = run(simulator.next_turns(states(3)))
    for turn in turns:
        assert turn.metadata["attempts"] == max_retries + 1
        assert [r["reason"] for r in turn.metadata["rejections"]] == ["too_short"] * max_retries
        assert all(len(r["text"].split()) < 50 for r in turn.metadata["rejections"])
        assert turn.metadata["guardrails_exhausted"] is True
        drafts = [r["text"] for r in turn.metadata["rejections"]] + [turn.text]
        assert len(set(drafts)) == len(drafts), "each retry samples afresh"


def test_length_guardrail_accepts_a_resampled_turn_that_fits(make_sim):
    simulator = make_sim(min_words=2, max_words=3, max_retries=4, max_new_tokens=6)
    turns = run(simulator.next_turns(states(8)))
    rejected = [r for t in turns for r in t.metadata["rejections"]]
    assert rejected, "the random model should miss the 2-3 word window at least once"
    for reason, text in ((r["reason"], r["text"]) for r in rejected):
        assert (reason, len(text.split()) < 2) in {("too_short", True), ("too_long", False)}
    accepted = [t for t in turns if t.metadata["rejections"] and not t.metadata.get("guardrails_exhausted")]
    assert accepted, "at least one row should pass after resampling"
    assert all(2 <= len(t.text.split()) <= 3 for t in accepted)
    assert all(t.metadata["attempts"] == len(t.metadata["rejections"]) + 1 for t in turns)


def fixed_words_sim(make_sim, **options) -> UserLMSimulator:
    """A model that always says 'the the the' (three tokens, then the token budget runs out)."""
    simulator = make_sim(max_new_tokens=3, max_retries=2, **options)
    bias_tokens(simulator.model, [simulator.tokenizer.convert_tokens_to_ids("Ġthe")])
    return simulator


def test_verbatim_repeat_of_an_earlier_user_turn_is_rejected(make_sim):
    simulator = fixed_words_sim(make_sim)
    earlier = history(("The  THE the", "Sorry?"))
    [turn] = run(simulator.next_turns(states(1, earlier)))
    assert turn.text == "the the the"
    assert turn.metadata["rejections"] == [{"text": "the the the", "reason": "repeat"}] * 2
    assert turn.metadata["exhausted_reason"] == "repeat"


def test_verbatim_repeat_of_the_intent_is_rejected(make_sim):
    simulator = fixed_words_sim(make_sim)
    [turn] = run(simulator.next_turns(states(1, intent=Intent(id="x", text="The the the."))))
    assert [r["reason"] for r in turn.metadata["rejections"]] == ["repeats_intent"] * 2


def test_guardrails_off_means_no_rejections(make_sim):
    simulator = fixed_words_sim(make_sim, guardrails=False, min_words=50)
    turns = run(simulator.next_turns(states(2, history(("the the the", "Sorry?")))))
    for turn in turns:
        assert turn.kind is TurnKind.MESSAGE and turn.text == "the the the"
        assert turn.metadata["rejections"] == [] and turn.metadata["attempts"] == 1
        assert "guardrails_exhausted" not in turn.metadata
        assert turn.metadata["latency_s"] >= 0


# Batching and reproducibility ---------------------------------------------------------------------


def test_greedy_batched_output_equals_one_at_a_time(make_sim):
    simulator = make_sim(do_sample=False, guardrails=False, max_new_tokens=12)
    scramble(simulator.model)
    batch = [
        states(1)[0],
        states(1, history(("hello there how are you", "fine thanks")))[0],
        states(1, history(("I need help planning a trip to Lisbon next month", "Here is a list"),
                          ("what is the capital of France", "Paris")))[0],
    ]
    together = run(simulator.next_turns(batch))
    alone = [run(simulator.next_turns([s]))[0] for s in batch]
    assert [t.text for t in together] == [t.text for t in alone]
    assert len({t.text for t in together}) == 3, "outputs should differ, or the check proves nothing"
    prompts = [simulator.prompt(s) for s in batch]
    assert simulator.generate_ids(prompts, [True] * 3, 0) == [
        simulator.generate_ids([p], [True], 0)[0] for p in prompts
    ]


def test_batch_size_splits_generate_calls_without_changing_greedy_output(make_sim):
    whole = make_sim(do_sample=False, guardrails=False)
    split = make_sim(do_sample=False, guardrails=False, batch_size=2)
    for simulator in (whole, split):
        scramble(simulator.model)
    batch = states(5, history(("hello there how are you", "fine thanks")))
    batch = [ConversationState(INTENT, s.messages[: 2 * (i % 2)], s.seed) for i, s in enumerate(batch)]
    assert [t.text for t in run(whole.next_turns(batch))] == [t.text for t in run(split.next_turns(batch))]


def test_sampling_is_reproducible_from_the_states_seeds(make_sim):
    simulator = make_sim(guardrails=False, max_new_tokens=10)
    first = [t.text for t in run(simulator.next_turns(states(3)))]
    again = [t.text for t in run(simulator.next_turns(states(3)))]
    other_seeds = [ConversationState(INTENT, [], seed=100 + i) for i in range(3)]
    assert first == again
    assert first != [t.text for t in run(simulator.next_turns(other_seeds))]


def test_no_states_no_work(make_sim):
    assert run(make_sim().next_turns([])) == []


async def test_generation_leaves_the_event_loop_free(make_sim):
    simulator = make_sim(guardrails=False, max_new_tokens=16)
    ticks, done = 0, False

    async def ticker():
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await simulator.next_turns(states(4))
    done = True
    await task
    assert ticks > 5, "generate must run in a worker thread, not on the event loop"


def test_the_embedded_alias_loads_the_converted_copy_not_the_hub(tiny_userlm_dir, monkeypatch):
    from simuser.models import embedded
    from simuser.users.userlm_loading import load_userlm

    monkeypatch.setattr(embedded, "embedded_model_path", lambda: tiny_userlm_dir)
    loaded = load_userlm("smollm2", device="cpu", dtype="auto", adapter=None, banned_words=())
    assert loaded.model.name_or_path == str(tiny_userlm_dir)


def test_default_is_the_shipped_adapter_on_the_embedded_base():
    from simuser.adapters import adapter_path, resolve_user_model

    assert resolve_user_model("default", None) == ("smollm2", str(adapter_path()))
    assert resolve_user_model("default", "/my/adapter") == ("smollm2", "/my/adapter")
    assert resolve_user_model("microsoft/UserLM-8b", None) == ("microsoft/UserLM-8b", None)
