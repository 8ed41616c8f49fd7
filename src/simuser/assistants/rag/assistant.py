"""The RAG assistant under test: retrieve abstracts for the conversation so far, answer from them.

Per engine step, for every active conversation: build the retrieval query (:mod:`.query`, ``query_mode``),
search the index for the top ``top_k`` abstracts, put the best ``context_k`` into the system prompt
(``prompts/rag_system.md``), append the conversation history, and generate all replies in one batch.

Each reply carries what was retrieved in ``metadata["retrieval"]`` (the query text, the top-k ids and
scores), which the engine stores on the assistant message. The assistant never sees a gold answer: the
demo's analysis computes gold-document ranks afterwards from these records with the same retriever.

Also usable on its own::

    rag = RagAssistant()                      # PubMedQA abstracts, MiniLM, FAISS, SmolLM2
    reply, = asyncio.run(rag.respond([AssistantRequest([Message(role="user", content="...")])]))
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest
from simuser.assistants.rag.corpus import PUBMEDQA, Corpus, load_corpus
from simuser.assistants.rag.embedders import MINILM, Embedder, make_embedder
from simuser.assistants.rag.query import DEFAULT_QUERY_MODE, build_query, check_query_mode
from simuser.assistants.rag.retriever import Hit, Retriever
from simuser.models.chat import ChatModel, Generation, Sampling, build_chat_model
from simuser.schema import ComponentSpec

TOP_K = 5  # recorded per turn (hit@5 bookkeeping)
CONTEXT_K = 2  # abstracts put in the prompt
MAX_DOC_CHARS = 800  # per abstract in the prompt: prefill dominates a small model's CPU time
MAX_NEW_TOKENS = 64  # the prompt asks for a brief answer whose first sentence carries the stance


@lru_cache(maxsize=1)
def system_template() -> str:
    return resources.files("simuser").joinpath("prompts/rag_system.md").read_text("utf-8")


class RagAssistant:
    """Retrieval-augmented answers over a corpus (PubMedQA abstracts by default)."""

    def __init__(
        self,
        corpus: str | Corpus = PUBMEDQA,
        embedder: str | Embedder = MINILM,
        model: str = defaults.EMBEDDED_MODEL,
        *,
        base_url: str | None = None,
        api_key_env: str | None = None,
        embedding_base_url: str | None = None,
        embedding_api_key_env: str | None = None,
        query_mode: str = DEFAULT_QUERY_MODE,
        top_k: int = TOP_K,
        context_k: int = CONTEXT_K,
        max_doc_chars: int = MAX_DOC_CHARS,
        max_new_tokens: int = MAX_NEW_TOKENS,
        temperature: float = 0.0,
        device: str | None = None,
        concurrency: int = defaults.CONCURRENCY,
        cache: bool = True,
        retriever: Retriever | None = None,
        generator: ChatModel | None = None,
    ):
        self.query_mode = check_query_mode(query_mode)
        self.options = _present({
            "corpus": corpus if isinstance(corpus, str) else corpus.name,
            "embedder": embedder if isinstance(embedder, str) else embedder.id, "model": model,
            "base_url": base_url, "api_key_env": api_key_env, "embedding_base_url": embedding_base_url,
            "embedding_api_key_env": embedding_api_key_env, "query_mode": query_mode, "top_k": top_k,
            "context_k": context_k, "max_doc_chars": max_doc_chars, "max_new_tokens": max_new_tokens,
            "temperature": temperature, "device": device,
        })
        self.top_k, self.context_k, self.max_doc_chars = top_k, min(context_k, top_k), max_doc_chars
        self.retriever = retriever or Retriever(
            load_corpus(corpus),
            make_embedder(embedder, base_url=embedding_base_url, api_key_env=embedding_api_key_env, device=device),
            cache=cache,
        )
        self.generator = generator or build_chat_model(generator_spec(model, base_url, api_key_env, device, concurrency))
        # greedy at temperature 0; an endpoint keeps its own top_p, as it always did
        top_p = None if base_url else defaults.TOP_P
        self.sampling = Sampling(max_new_tokens, temperature or 1.0, top_p, do_sample=temperature > 0)

    def describe(self) -> ComponentSpec:
        """The constructor options (enough to rebuild it; key variable names, never keys)."""
        generator = self.generator.describe().options.get("model", type(self.generator).__name__)
        description = (f"RAG over {self.retriever.corpus.name} ({len(self.retriever.corpus)} documents), "
                       f"embedder {self.retriever.embedder.id}, generator {generator}")
        return ComponentSpec(name="rag", options=dict(self.options), description=description)

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        queries = [build_query(r.messages, self.query_mode) for r in requests]
        hits = await asyncio.to_thread(self.retriever.search, queries, self.top_k)
        chats = [self.prompt(r, h[: self.context_k]) for r, h in zip(requests, hits, strict=True)]
        seeds = [requests[0].seed] * len(requests)  # one seed per batch, as the generator always had
        generations = await self.generator.generate(chats, self.sampling, seeds, [r.conversation_id or None for r in requests])
        return [self._reply(g, q, h) for g, q, h in zip(generations, queries, hits, strict=True)]

    def prompt(self, request: AssistantRequest, context: Sequence[Hit]) -> list[dict[str, str]]:
        """System prompt with the retrieved abstracts, then the conversation history as is."""
        documents = "\n\n".join(
            f"[{i}] (PMID {hit.doc_id}) {self._excerpt(hit.doc_id)}" for i, hit in enumerate(context, 1)
        )
        system = system_template().format(documents=documents or "(none found)")
        history = [m.to_openai() for m in request.messages if m.role != "system"]
        return [{"role": "system", "content": system}, *history]

    def _excerpt(self, doc_id: str) -> str:
        """The document, or its head and tail when too long: abstracts end with their conclusions."""
        text = self.retriever.corpus.get(doc_id).text
        if len(text) <= self.max_doc_chars:
            return text
        head = self.max_doc_chars // 3
        return f"{text[:head].rsplit(' ', 1)[0]} ... {text[-(self.max_doc_chars - head):].split(' ', 1)[-1]}"

    def _reply(self, generation: Generation, query: str, hits: Sequence[Hit]) -> AssistantReply:
        retrieval: dict[str, Any] = {
            "query": query, "query_mode": self.query_mode,
            "doc_ids": [h.doc_id for h in hits], "scores": [h.score for h in hits],
            "context_ids": [h.doc_id for h in hits[: self.context_k]],
        }
        if generation.error is not None:
            return AssistantReply.failed(generation.error, retrieval=retrieval)
        return AssistantReply(generation.text, {"retrieval": retrieval})

    def release(self, key: str) -> None:
        """The conversation ``key`` is over: free what the generator keeps for it (a local KV cache)."""
        release = getattr(self.generator, "release", None)  # a stand-in generator may keep nothing
        if release is not None:
            release(key)

    async def aclose(self) -> None:
        await self.generator.aclose()


def generator_spec(model: str, base_url: str | None, api_key_env: str | None, device: str | None,
                   concurrency: int) -> ComponentSpec:
    """The answer generator: an OpenAI-compatible endpoint when ``base_url`` is given, else a local model."""
    if base_url:
        options = {"base_url": base_url, "model": model, "api_key_env": api_key_env, "concurrency": concurrency}
        return ComponentSpec(name="openai", options=options)
    return ComponentSpec(name="transformers", options={"model": model, "device": device, "seed_label": None})


def _present(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}
