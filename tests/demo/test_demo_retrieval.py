from simuser.demo.retrieval import TurnRank, rank_turns, retrieval_table, turn_queries
from simuser.schema import Conversation, Intent, Message

GOLD = "21645374"  # the lace plant / mitochondria abstract
QUESTION = "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?"


def conversation(messages, intent_id="pubmedqa-21645374"):
    intent = Intent(id=intent_id, text="t", metadata={"gold_doc_id": GOLD, "question": QUESTION})
    return Conversation(intent=intent, messages=messages)


def reply(query=None):
    metadata = {"retrieval": {"query": query, "doc_ids": []}} if query is not None else {}
    return Message(role="assistant", content="ok", metadata=metadata)


def test_turn_queries_prefer_what_the_assistant_recorded():
    messages = [
        Message(role="user", content="plants with holes in their leaves"), reply("RECORDED query"),
        Message(role="user", content="what do mitochondria do there?"), reply(),  # no record: rebuilt
        Message(role="user", content="thanks"),  # no reply at all (conversation ended): rebuilt
    ]
    queries = turn_queries(conversation(messages), "concat")
    assert queries == [
        ("RECORDED query", True),
        ("plants with holes in their leaves\nwhat do mitochondria do there?", False),
        ("plants with holes in their leaves\nwhat do mitochondria do there?\nthanks", False),
    ]
    assert turn_queries(conversation(messages), "last")[1] == ("what do mitochondria do there?", False)


def test_gold_rank_per_user_turn(hashing_retriever):
    vague = [Message(role="user", content="my houseplant looks weird, is it dying?"), reply(),
             Message(role="user", content="is that the cells killing themselves?"), reply(),
             Message(role="user", content=QUESTION), reply()]
    original = [Message(role="user", content=QUESTION), reply(QUESTION)]
    ranks = rank_turns("simulated", [conversation(vague)], hashing_retriever, "last")
    ranks += rank_turns("original", [conversation(original)], hashing_retriever, "last")
    assert [(r.condition, r.turn, r.last_turn) for r in ranks] == [
        ("simulated", 1, False), ("simulated", 2, False), ("simulated", 3, True), ("original", 1, True)]
    expected = hashing_retriever.ranks([r.query for r in ranks], [GOLD] * 4)
    assert [r.rank for r in ranks] == expected
    assert ranks[2].rank == ranks[3].rank == 1  # the original question finds its abstract
    assert ranks[0].rank > 100  # the vague opener does not
    assert all(r.gold_id == GOLD for r in ranks)


def test_retrieval_table_statistics():
    def row(condition, intent, turn, last, rank):
        return TurnRank(condition, intent, 0, turn, last, "g", "q", True, rank)

    ranks = [row("a", "i1", 1, True, 1), row("a", "i2", 1, True, 7),
             row("b", "i1", 1, False, 40), row("b", "i1", 2, True, 2), row("b", "i2", 1, True, 5)]
    table = {(s.condition, s.turn): s for s in retrieval_table(ranks)}
    assert set(table) == {("a", "1"), ("b", "1"), ("b", "2"), ("b", "all"), ("b", "last")}
    a = table[("a", "1")]
    assert (a.n, a.hit_at_1, a.hit_at_5, a.mrr, a.median_rank) == (2, 0.5, 0.5, (1 + 1 / 7) / 2, 4.0)
    last = table[("b", "last")]
    assert (last.n, last.hit_at_1, last.hit_at_5, last.median_rank) == (2, 0.0, 1.0, 3.5)
    assert table[("b", "all")].n == 3 and table[("b", "1")].hit_at_5 == 0.5
