"""The conversation loop: init, step until done, finalise.

Active conversations advance together. A *step* is one batched simulator call (the next user turn of
every conversation whose assistant reply has arrived); the replies then run in the background (one
batched call for a local assistant, one call per conversation for endpoints), and the next simulator call
takes whoever is back, so no conversation waits for the slowest reply of its step. A conversation that
ends leaves at once, is appended to the run store right away, and a waiting conversation takes its place
(continuous batching at conversation level, so ``--batch-size`` bounds memory while throughput stays
high).

Failures are data: an assistant that fails ends its conversation with ``assistant_error`` and the run
goes on. Only user errors (a missing model, a missing key) and bugs stop a run, and even then every
conversation that finished is already on disk.

Reproducibility: each conversation's seed derives from the run seed, the intent id and the sample
index; each turn's seed from the conversation seed and the turn number. Backends seed their sampling
from these, so the same config on the same backend reproduces the run.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simuser.assistants import Assistant, AssistantReply, AssistantRequest
from simuser.engine.components import build_assistant, build_simulator, check_names, close_all
from simuser.engine.config import RunConfig, derive_seed
from simuser.engine.hooks import ReplyHook, ReplyVerdict
from simuser.engine.progress import ProgressReporter, make_reporter
from simuser.engine.resume import open_run, prior_elapsed_s
from simuser.engine.summary import RunSummary, summarize
from simuser.errors import UserError
from simuser.models.concurrency import run_sync
from simuser.models.threads import apply_threads
from simuser.options import options_model
from simuser.population import Persona, draw_persona
from simuser.schema import Conversation, EndReason, Message
from simuser.store import RunStore
from simuser.users import ConversationState, TurnKind, UserSimulator, UserTurn


@dataclass
class RunResult:
    run_dir: Path | None
    conversations: list[Conversation]
    summary: RunSummary

    def to_pandas(self, level: str = "turn"):
        """A DataFrame with one row per message (``level="turn"``) or per conversation (needs pandas)."""
        from simuser.store.tables import to_pandas

        return to_pandas(self.conversations, level)

    def _repr_html_(self) -> str:
        from simuser.store.tables import html_summary

        return html_summary(self.conversations, self.summary.model_dump())


def simulate(
    config: RunConfig,
    *,
    simulator: UserSimulator | None = None,
    assistant: Assistant | None = None,
    progress: bool | ProgressReporter = False,
    resume: bool = False,
    reply_hook: ReplyHook | None = None,
) -> RunResult:
    """Run ``config`` to completion (synchronous edge of :func:`asimulate`); works in notebooks too."""
    return run_sync(asimulate(config, simulator=simulator, assistant=assistant, progress=progress, resume=resume,
                              reply_hook=reply_hook))


async def asimulate(
    config: RunConfig,
    *,
    simulator: UserSimulator | None = None,
    assistant: Assistant | None = None,
    progress: bool | ProgressReporter = False,
    resume: bool = False,
    reply_hook: ReplyHook | None = None,
) -> RunResult:
    """Simulate every (intent, sample) of ``config`` not already finished in its run directory.

    Components passed in stay open (the caller owns them); components built here are closed here.
    ``reply_hook`` looks at every assistant reply (see :mod:`simuser.engine.hooks`).
    """
    if config.threads:  # the CLI always sets it; library callers who leave it None keep torch as they set it
        apply_threads(config.threads)
    built = [simulator is None, assistant is None]
    if simulator is None or assistant is None:
        check_names(config, simulator=simulator is None, assistant=assistant is None)
    simulator = simulator or build_simulator(config.simulator)
    assistant = assistant or build_assistant(with_concurrency(config))
    session = RunSession.open(config, resume)
    reporter = make_reporter(progress)
    todo = plan(config, session.done, simulator, assistant)
    reporter.start(len(todo) + len(session.done), len(session.done))
    started = time.perf_counter()
    interrupted = True
    try:
        loop = ConversationLoop(config, simulator, assistant, on_finish=session.recorder(reporter))
        loop.reply_hook = reply_hook
        await loop.run(todo)
        interrupted = False
    finally:
        reporter.stop()
        await close_all([c for c, owned in zip((simulator, assistant), built, strict=True) if owned])
        summary = session.close(time.perf_counter() - started, interrupted)
    return RunResult(session.run_dir, session.conversations, summary)


def plan(config: RunConfig, done: set[tuple[str, int]], simulator: UserSimulator, assistant: Assistant) -> list[Conversation]:
    """Fresh conversations for every (intent, sample) not yet finished, in a stable order."""
    specs: dict[str, Any] = {"simulator": simulator.describe(), "assistant": assistant.describe()}
    todo = [
        Conversation(intent=intent, sample_index=k, seed=config.conversation_seed(intent.id, k), **specs)
        for intent in config.intents
        for k in range(config.n)
        if (intent.id, k) not in done
    ]
    for conversation in todo:  # an intent may pin a persona; else one is drawn from the seed (simuser.population)
        pinned = conversation.intent.metadata.get("persona")
        if pinned:
            conversation.metadata["persona"] = Persona.model_validate(pinned).model_dump()
        elif config.population:
            conversation.metadata["persona"] = draw_persona(config.population, conversation.seed).model_dump()
    return todo


class ConversationLoop:
    """Steps a batch of conversations until every one of them has ended."""

    def __init__(self, config: RunConfig, simulator: UserSimulator, assistant: Assistant, on_finish: Callable[[Conversation], object]):
        self.config = config
        self.simulator = simulator
        self.assistant = assistant
        self.on_finish = on_finish
        self.reply_hook: ReplyHook | None = None

    batch_window_s = 0.01  # after the first reply arrives, how long to wait for more before the next user step

    async def run(self, todo: list[Conversation]) -> None:
        """Continuous batching without a step barrier: one batched simulator call at a time, for every
        conversation whose reply has arrived (plus new ones, up to ``batch_size`` active in all).

        Assistants that answer each request on its own (endpoints: ``independent_requests = True``) get
        one call per conversation, at most ``concurrency`` at a time, so a slow reply holds up only its own
        conversation; a batched assistant (a local model) gets one call per group and behaves as before.
        """
        pending = deque(todo)
        ready: list[Conversation] = []
        replying: dict[asyncio.Task[list[Conversation]], int] = {}
        self._slots = asyncio.Semaphore(self.config.concurrency)
        try:
            while pending or ready or replying:
                if replying:
                    ready += self.enforce_deadline(await self._arrivals(replying))
                busy = sum(replying.values())
                while pending and len(ready) + busy < self.config.batch_size:
                    ready.append(pending.popleft())
                    ready[-1].timings.started_at = time.time()  # its clock starts when it enters the batch
                if ready:
                    for group in self._reply_groups(await self.user_step(ready)):
                        replying[asyncio.create_task(self._reply(group))] = len(group)
                    ready = []
        finally:
            for task in replying:
                task.cancel()

    def _reply_groups(self, active: list[Conversation]) -> list[list[Conversation]]:
        if not active:
            return []
        if getattr(self.assistant, "independent_requests", False):
            return [[c] for c in active]
        return [active]

    async def _reply(self, group: list[Conversation]) -> list[Conversation]:
        if len(group) > 1 or not getattr(self.assistant, "independent_requests", False):
            return await self.assistant_step(group)
        async with self._slots:
            return await self.assistant_step(group)

    async def _arrivals(self, replying: dict[asyncio.Task[list[Conversation]], int]) -> list[Conversation]:
        """Conversations whose replies arrived: wait for the first, then ``batch_window_s`` for more."""
        done, _ = await asyncio.wait(replying, return_when=asyncio.FIRST_COMPLETED)
        if self.batch_window_s and len(done) < len(replying):
            more, _ = await asyncio.wait([t for t in replying if t not in done], timeout=self.batch_window_s)
            done |= more
        arrived: list[Conversation] = []
        for task in [t for t in replying if t in done]:  # in launch order
            del replying[task]
            arrived += task.result()
        return arrived

    def enforce_deadline(self, active: list[Conversation]) -> list[Conversation]:
        """End conversations older than --conversation-timeout (between exchanges; a call has its own timeout)."""
        limit = self.config.conversation_timeout_s
        if limit is None:
            return active
        now = time.time()
        for conversation in active:
            if now - conversation.timings.started_at > limit:
                self.finish(conversation, EndReason.TIMED_OUT, f"over the {limit:g} s conversation timeout")
        return [c for c in active if c.end_reason is None]

    async def user_step(self, active: list[Conversation]) -> list[Conversation]:
        states = [ConversationState(c.intent, tuple(c.messages), derive_seed(c.seed, "user", len(c.user_turns)), conversation_id(c),
                                    persona=persona_of(c)) for c in active]
        started = time.perf_counter()
        try:
            turns = await self.simulator.next_turns(states)
        except UserError:
            raise
        except Exception as exc:  # a simulator bug fails these conversations, not the run
            turns = [UserTurn(TurnKind.EXHAUSTED, "", {"simulator_error": f"{type(exc).__name__}: {exc}"}) for _ in active]
        elapsed = time.perf_counter() - started
        if len(turns) != len(active):
            raise RuntimeError(f"simulator returned {len(turns)} turns for {len(active)} conversations")
        for conversation, turn in zip(active, turns, strict=True):
            self.apply_user_turn(conversation, turn, elapsed, len(active))
        return [c for c in active if c.end_reason is None]

    def apply_user_turn(self, conversation: Conversation, turn: UserTurn, elapsed: float, batch: int) -> None:
        conversation.timings.simulator_s += elapsed
        if turn.kind is TurnKind.MESSAGE:
            metadata = {**turn.metadata, "batch_latency_s": round(elapsed, 4), "batch_size": batch}
            conversation.messages.append(Message(role="user", content=turn.text, metadata=metadata))
        elif turn.kind is TurnKind.END:
            conversation.metadata["end_turn"] = turn.metadata
            self.finish(conversation, EndReason.USER_ENDED)
        elif turn.metadata.get("simulator_error"):
            self.finish(conversation, EndReason.SIMULATOR_ERROR, turn.metadata["simulator_error"])
        else:
            self.finish(conversation, EndReason.SIMULATOR_EXHAUSTED, turn.metadata.get("reason") or None)

    async def assistant_step(self, active: list[Conversation]) -> list[Conversation]:
        if not active:
            return active
        requests = [
            AssistantRequest(tuple(c.messages), derive_seed(c.seed, "assistant", len(c.user_turns)), conversation_id(c),
                             c.metadata.get("tool_state", c.intent.metadata.get("tool_state")))
            for c in active
        ]
        started = time.perf_counter()
        replies = await self._respond(requests)
        elapsed = time.perf_counter() - started
        for conversation, reply in zip(active, replies, strict=True):
            self.apply_reply(conversation, reply, elapsed)
        replied = [c for c in active if c.end_reason is None]
        await self.check_replies(replied)
        for conversation in replied:
            if conversation.end_reason is None and "stop_tool" in conversation.metadata:
                self.finish(conversation, EndReason.TOOL_STOP)
            elif conversation.end_reason is None and len(conversation.user_turns) >= self.config.max_turns:
                self.finish(conversation, EndReason.MAX_TURNS)
        return [c for c in active if c.end_reason is None]

    async def check_replies(self, conversations: list[Conversation]) -> None:
        """Run the reply hook; record its verdicts; end solved conversations when the run says so."""
        if self.reply_hook is None or not conversations:
            return
        try:
            verdicts = await self.reply_hook.check_replies(conversations)
        except UserError:
            raise
        except Exception as exc:  # a broken hook marks these replies, not the run
            verdicts = [ReplyVerdict(False, {"error": f"{type(exc).__name__}: {exc}"}) for _ in conversations]
        for conversation, verdict in zip(conversations, verdicts, strict=True):
            if verdict is None:
                continue
            conversation.messages[-1].metadata["check"] = verdict.record
            if verdict.solved and self.config.stop_when_solved:
                self.finish(conversation, EndReason.TASK_SOLVED)

    async def _respond(self, requests: list[AssistantRequest]) -> list[AssistantReply]:
        try:
            replies = await self.assistant.respond(requests)
        except UserError:
            raise
        except Exception as exc:  # an assistant bug fails these conversations, not the run
            return [AssistantReply.failed(f"{type(exc).__name__}: {exc}") for _ in requests]
        if len(replies) != len(requests):
            raise RuntimeError(f"assistant returned {len(replies)} replies for {len(requests)} requests")
        return replies

    def apply_reply(self, conversation: Conversation, reply: AssistantReply, elapsed: float) -> None:
        conversation.timings.assistant_s += elapsed
        conversation.messages.extend(reply.messages)  # tool calls and results, before the reply
        if reply.tool_state is not None:
            conversation.metadata["tool_state"] = reply.tool_state
        if reply.error is not None:
            self.finish(conversation, EndReason.ASSISTANT_ERROR, reply.error)
            return
        if stop_tool := _stop_tool(reply.messages, self.config.stop_on_tool):
            conversation.metadata["stop_tool"] = stop_tool  # ends after its reply is checked (assistant_step)
        conversation.messages.append(Message(role="assistant", content=reply.content, metadata=reply.metadata))

    def finish(self, conversation: Conversation, reason: EndReason, error: str | None = None) -> None:
        conversation.finish(reason, error)
        self.release(conversation)
        self.on_finish(conversation)

    def release(self, conversation: Conversation) -> None:
        """Free what the simulator and the assistant keep for a finished conversation (KV caches)."""
        for component in (self.simulator, self.assistant):
            release = getattr(component, "release", None)
            if release is not None:
                release(conversation_id(conversation))


def conversation_id(conversation: Conversation) -> str:
    """The id components key per-conversation state by (``ChatModel`` cache keys)."""
    return f"{conversation.intent.id}:{conversation.sample_index}"


class RunSession:
    """The run directory side of a run (or an in-memory stand-in when ``out`` is None)."""

    def __init__(self, config: RunConfig, store: RunStore | None):
        self.config = config
        self.store = store
        self.run_id = ""
        self.conversations: list[Conversation] = []
        self.done: set[tuple[str, int]] = set()
        self.prior_elapsed_s = 0.0  # time spent by earlier segments of a resumed run

    @property
    def run_dir(self) -> Path | None:
        return self.store.run_dir if self.store else None

    @classmethod
    def open(cls, config: RunConfig, resume: bool) -> RunSession:
        store = RunStore(config.out) if config.out else None
        session = cls(config, store)
        if store is not None:
            session._open_store(store, resume)
        return session

    def _open_store(self, store: RunStore, resume: bool) -> None:
        manifest, self.conversations = open_run(store, self.config, resume)  # validates before it writes
        self.run_id = manifest.run_id
        self.done = {c.key for c in self.conversations}
        self.prior_elapsed_s = prior_elapsed_s(manifest) if resume else 0.0

    def recorder(self, reporter: ProgressReporter) -> Callable[[Conversation], None]:
        def record_and_report(conversation: Conversation) -> None:
            self.record(conversation)
            reporter.conversation_finished(conversation)

        return record_and_report

    def record(self, conversation: Conversation) -> None:
        conversation.run_id = self.run_id
        if self.store is not None:
            self.store.append(conversation)
        self.conversations.append(conversation)

    def close(self, elapsed_s: float, interrupted: bool) -> RunSummary:
        summary = summarize(self.conversations, self.prior_elapsed_s + elapsed_s, self.run_dir)
        summary.interrupted = interrupted
        if self.store is not None:
            try:
                manifest = self.store.load_manifest()
                manifest.status = "interrupted" if interrupted else "finished"
                manifest.summary = summary.model_dump()
                self.store.save_manifest(manifest)
            finally:  # a full disk must not leave the run locked
                self.store.release()
        return summary


def persona_of(conversation: Conversation) -> Persona | None:
    persona = conversation.metadata.get("persona")
    return Persona.model_validate(persona) if persona else None


def with_concurrency(config: RunConfig):
    """The assistant spec, with the run's --concurrency (and --stop-on-tool) passed to backends that take one."""
    spec = _with_option(config.assistant, "concurrency", config.concurrency)
    return _with_option(spec, "stop_on_tool", list(config.stop_on_tool)) if config.stop_on_tool else spec


def _with_option(spec, name: str, value: object):
    from simuser.assistants import assistants

    if name in spec.options:
        return spec
    model = options_model(assistants.factory(spec.name))
    if model is None or name not in model.model_fields:
        return spec
    return spec.model_copy(update={"options": {**spec.options, name: value}})


def _stop_tool(messages: list[Message], names: list[str]) -> str | None:
    """The first --stop-on-tool tool the agent called in this reply, if any."""
    calls = (call.function.name for m in messages for call in m.tool_calls or [])
    return next((name for name in calls if name in names), None)
