import asyncio

from simuser.assistants import AssistantRequest, assistants
from simuser.assistants.rag import HashingEmbedder, RagAssistant
from simuser.models.chat import Generation
from simuser.schema import ComponentSpec, Message
from simuser.testing.fake_openai import FakeOpenAIServer


class RecordingGenerator:
    """A ChatModel that answers 'Yes.' and keeps every chat it was asked to answer."""

    def __init__(self, replies=None):
        self.chats = []
        self.replies = replies

    def describe(self):
        return ComponentSpec(name="recording", options={"model": "recording"})

    async def generate(self, chats, sampling, seeds, cache_keys=None):
        self.chats.append(list(chats))
        return list(self.replies) if self.replies else [Generation("Yes.") for _ in chats]

    async def aclose(self): ...


def conversation(*turns: str) -> list[Message]:
    roles = ["user", "assistant"] * len(turns)
    return [Message(role=role, content=text) for role, text in zip(roles, turns, strict=False)]


def test_rag_records_what_it_retrieved_per_request(fixture_corpus, fixture_questions):
    generator = RecordingGenerator()
    rag = RagAssistant(fixture_corpus, HashingEmbedder(), generator=generator, top_k=3, context_k=2)
    requests = [AssistantRequest(conversation(q)) for q in fixture_questions.values()]
    replies = asyncio.run(rag.respond(requests))
    assert [r.content for r in replies] == ["Yes."] * len(requests)
    assert len(generator.chats) == 1 and len(generator.chats[0]) == len(requests)  # one batch
    for reply, (gold, question) in zip(replies, fixture_questions.items(), strict=True):
        retrieval = reply.metadata["retrieval"]
        assert retrieval["query"] == question and retrieval["query_mode"] == "concat"
        assert retrieval["doc_ids"][0] == gold and len(retrieval["doc_ids"]) == 3
        assert retrieval["scores"] == sorted(retrieval["scores"], reverse=True)
        assert retrieval["context_ids"] == retrieval["doc_ids"][:2]


def test_prompt_carries_context_and_history(fixture_corpus):
    generator = RecordingGenerator()
    rag = RagAssistant(fixture_corpus, HashingEmbedder(), generator=generator, context_k=1)
    messages = conversation("my baby went limp and blue", "That sounds frightening.", "should we buy a home monitor?")
    reply = asyncio.run(rag.respond([AssistantRequest(messages)]))[0]
    chat = generator.chats[0][0]
    assert chat[0]["role"] == "system" and "(PMID d-sids)" in chat[0]["content"]
    assert [m["role"] for m in chat[1:]] == ["user", "assistant", "user"]
    assert chat[-1]["content"] == "should we buy a home monitor?"
    assert reply.metadata["retrieval"]["query"] == "my baby went limp and blue\nshould we buy a home monitor?"


def test_last_turn_query_mode_loses_the_topic(fixture_corpus):
    messages = conversation("my baby went limp and blue", "I see.", "should we buy one?")
    concat = RagAssistant(fixture_corpus, HashingEmbedder(), generator=RecordingGenerator())
    last = RagAssistant(fixture_corpus, HashingEmbedder(), generator=RecordingGenerator(), query_mode="last")
    assert asyncio.run(concat.respond([AssistantRequest(messages)]))[0].metadata["retrieval"]["doc_ids"][0] == "d-sids"
    assert asyncio.run(last.respond([AssistantRequest(messages)]))[0].metadata["retrieval"]["query"] == "should we buy one?"


def test_failed_generation_becomes_an_error_reply(fixture_corpus):
    rag = RagAssistant(fixture_corpus, HashingEmbedder(), generator=RecordingGenerator([Generation.failed("HTTP 500"), Generation("No.")]))
    replies = asyncio.run(rag.respond([AssistantRequest(conversation("statins")), AssistantRequest(conversation("knee"))]))
    assert replies[0].error == "HTTP 500" and replies[0].metadata["retrieval"]["doc_ids"]
    assert replies[1].error is None and replies[1].content == "No."


def test_registered_as_rag_and_describes_its_options(fixture_corpus):
    assert assistants.factory("rag") is RagAssistant
    spec = RagAssistant(fixture_corpus, HashingEmbedder(), generator=RecordingGenerator(), top_k=4).describe()
    assert spec.name == "rag"
    assert spec.options["top_k"] == 4 and spec.options["embedder"] == "hashing-v1-1024"
    assert "fixture (6 documents)" in spec.description


def test_endpoint_embedder_and_generator(fixture_corpus, fixture_questions):
    with FakeOpenAIServer(reply=lambda body: "Maybe, the abstracts disagree.", embedding_dim=256) as server:
        rag = RagAssistant(fixture_corpus, "fake-embed", "fake-chat", base_url=server.base_url,
                           embedding_base_url=server.base_url)
        question = fixture_questions["d-mito"]
        reply = asyncio.run(rag.respond([AssistantRequest(conversation(question))]))[0]
        asyncio.run(rag.aclose())
        chat = server.requests_to("/chat/completions")[0].json
        embedded = [r.json["input"] for r in server.requests_to("/embeddings")]
    assert reply.content == "Maybe, the abstracts disagree."
    assert reply.metadata["retrieval"]["doc_ids"][0] == "d-mito"
    assert chat["model"] == "fake-chat" and chat["temperature"] == 0.0
    assert embedded[-1] == [question] and len(embedded[0]) == len(fixture_corpus)


def test_long_documents_keep_their_head_and_conclusion():
    from simuser.assistants.rag import Corpus, Document

    text = "BACKGROUND " + "filler words here. " * 200 + "CONCLUSION: statins worked."
    generator = RecordingGenerator()
    rag = RagAssistant(Corpus([Document("long", text)]), HashingEmbedder(), generator=generator, max_doc_chars=300)
    asyncio.run(rag.respond([AssistantRequest(conversation("statins"))]))
    system = generator.chats[0][0][0]["content"]
    assert "BACKGROUND" in system and system.rstrip().endswith("CONCLUSION: statins worked.")
    assert " ... " in system and len(system) < len(text)
