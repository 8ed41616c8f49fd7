import pytest

from simuser.demo.stance import conversation_stance, extract_stance
from simuser.schema import Conversation, Intent, Message


@pytest.mark.parametrize(
    ("reply", "stance"),
    [
        ("Yes, statins reduce heart attacks in adults with diabetes.", "yes"),
        ("Yes. The study found fewer heart attacks.", "yes"),
        ("**Answer:** No - there was no difference between the groups.", "no"),
        ("Based on the abstracts, no.", "no"),
        ("No. Home monitoring did not prevent deaths.", "no"),
        ("Maybe; the evidence points both ways.", "maybe"),
        ("Home monitoring did not reduce sudden infant deaths.", "no"),
        ("The treatment doesn't improve survival.", "no"),
        ("Acupuncture improves neck pain compared with sham needling.", "yes"),
        ("Mitochondria play a role in programmed cell death in the lace plant.", "yes"),
        ("Statins may reduce the risk of stroke.", "yes"),  # weak modals are not hedges
        ("The results are inconclusive and more research is needed.", "maybe"),
        ("It is unclear whether the number of needles matters.", "maybe"),
        ("I'm not sure; the studies disagree.", "maybe"),
        ("The abstracts do not mention infants.", None),
        ("I don't know.", None),
        ("Hello! How can I help you today?", None),
        ("What do you mean by a monitor? It is unclear.", "maybe"),  # the question back is skipped
        ("Thanks for asking. Yes, it works.", "yes"),  # later sentence that starts with an answer word
        ("", None),
        ("The answer to this question is no, the diet is not deficient.", "no"),
        ("The results suggest that reducing spasticity may have a functional benefit, but the mechanisms are "
         "not fully understood.", "yes"),  # main clause before the contrast decides
        ("The drug did not lower mortality, although it improved symptoms.", "no"),
        ("It works in some patients, but it is unclear for most.", "maybe"),  # main clause undecided -> whole
    ],
)
def test_extract_stance_on_hand_written_replies(reply, stance):
    assert extract_stance(reply) == stance


def test_conversation_stance_is_the_last_one_taken():
    messages = [
        Message(role="user", content="do statins help?"),
        Message(role="assistant", content="No, not in this trial."),
        Message(role="user", content="ok and in older people?"),
        Message(role="assistant", content="Yes, they reduced strokes in older adults."),
        Message(role="user", content="thanks"),
        Message(role="assistant", content="You're welcome!"),
    ]
    conversation = Conversation(intent=Intent(id="x", text="t"), messages=messages)
    assert conversation_stance(conversation) == "yes"
    assert conversation_stance(Conversation(intent=Intent(id="x", text="t"))) is None


async def test_llm_judge_reads_the_first_word_and_sends_a_greedy_unseeded_request():
    from simuser.demo.stance import StanceJudge
    from simuser.testing.fake_openai import FakeOpenAIServer

    replies = [Message(role="user", content="q"), Message(role="assistant", content="It works.")]
    conversation = Conversation(intent=Intent(id="x", text="t", metadata={"question": "Does it work?"}), messages=replies)
    with FakeOpenAIServer(reply=lambda body: "Yes.") as server:
        judged = await StanceJudge(server.base_url, "judge").judge([conversation, conversation])
    body = server.requests_to("/chat/completions")[0].json
    assert judged == ["yes", "yes"]
    assert body["temperature"] == 0.0 and body["max_tokens"] == 5 and "seed" not in body
    assert "Does it work?" in body["messages"][0]["content"] and "It works." in body["messages"][0]["content"]
