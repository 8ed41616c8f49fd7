"""Surveys: mapping hand-written answers, distributions on a scripted population, bad questionnaires, the CLI."""

from __future__ import annotations

import csv
import json

import pytest

from simuser.cli.app import main
from simuser.errors import UserError
from simuser.population import Persona
from simuser.schema import ComponentSpec
from simuser.survey import Item, Questionnaire, load_questionnaire, map_choice, map_likert, run_survey
from simuser.survey.questionnaire import AGREEMENT, question_text
from simuser.users import UserTurn


@pytest.mark.parametrize(("answer", "value"), [
    ("4", 4),
    ("I'd say 4 out of 5", 4),
    ("a solid 2/5 honestly", 2),
    ("Strongly agree!", 5),
    ("i agree", 4),
    ("I disagree with that", 2),
    ("strongly disagree, it was awful", 1),
    ("neither agree nor disagree", 3),
    ("hmm, four I guess", 4),
    ("4.5", None),  # not a point of the scale
    ("9 out of 10", None),  # out of range, no label
    ("it's fine I suppose", None),
    ("agree on price but disagree on taste", None),  # two labels of different values: ambiguous
])
def test_likert_mapping_of_hand_written_answers(answer, value):
    assert map_likert(answer, AGREEMENT) == value


@pytest.mark.parametrize(("answer", "value"), [
    ("About right I think", "about right"),
    ("way TOO EXPENSIVE for what you get", "too expensive"),
    ("option 3", "cheap"),
    ("cheap, but not too expensive either", None),  # two options named
    ("no idea", None),
])
def test_choice_mapping_of_hand_written_answers(answer, value):
    assert map_choice(answer, ["too expensive", "about right", "cheap"]) == value


def test_question_text_shows_the_scale_and_options():
    likert = Item(id="s", type="likert", text="I like it.")
    assert question_text(likert) == ("I like it. On a scale from 1 (strongly disagree) to 5 (strongly agree), "
                                     "where would you put yourself?")
    choice = Item(id="c", type="choice", text="Which?", options=["a", "b"])
    assert question_text(choice) == "Which? Options: a; b."


FORM = Questionnaire(topic="a test product", items=[
    Item(id="like", type="likert", text="I like it."),
    Item(id="price", type="choice", text="Price?", options=["too expensive", "about right"]),
    Item(id="why", type="open", text="Why?"),
])
ANSWERS = {
    "happy": ["hello", "5", "about right", "it works"],
    "grumpy": ["hi", "disagree", "too expensive", "slow"],
}


class PersonaScripted:
    """Answers by persona; grumpy respondent #1 gives an answer the rule cannot map."""

    def describe(self):
        return ComponentSpec(name="persona-scripted")

    async def next_turns(self, states):
        turns = []
        for state in states:
            script = ANSWERS[state.persona.name]
            text = script[state.turn_index] if state.turn_index < len(script) else None
            if state.persona.name == "grumpy" and state.turn_index == 1 and state.seed % 2:  # about half of them
                text = "meh, whatever"
            turns.append(UserTurn.say(text) if text else UserTurn.end())
        return turns

    async def aclose(self):
        pass


PERSONAS = [Persona(name="happy", description="likes everything"), Persona(name="grumpy", description="likes nothing")]


def test_distributions_per_persona_on_a_scripted_population(tmp_path):
    result = run_survey(FORM, PersonaScripted(), PERSONAS, n=4, seed=3, out=tmp_path / "run")
    assert len(result.conversations) == 8 and len(result.answers) == 24
    odd = sum(1 for a in result.answers if a.item == "like" and a.answer == "meh, whatever")
    assert 0 < odd < 4
    like = result.distributions["like"]
    assert like["happy"]["values"]["5"]["count"] == 4 and like["happy"]["mean"] == 5.0
    assert like["grumpy"]["unmapped"]["count"] == odd and like["grumpy"]["values"]["2"]["count"] == 4 - odd
    assert like["all"]["respondents"] == 8 and like["all"]["unmapped"]["n"] == 8
    price = result.distributions["price"]
    assert price["happy"]["values"]["about right"]["share"] == 1.0
    assert price["happy"]["values"]["about right"]["ci95"] == [0.5101, 1.0]  # Wilson for 4 of 4
    assert price["all"]["values"]["too expensive"]["count"] == 4
    assert result.distributions["why"]["grumpy"] == {"respondents": 4, "answered": 4}
    asked = result.conversations[0].messages[1]
    assert asked.role == "assistant" and asked.metadata["survey_item"] == "like"
    assert result.conversations[0].end_reason.value == "max_turns"


def test_every_persona_gets_exactly_n_respondents(tmp_path):
    result = run_survey(FORM, PersonaScripted(), PERSONAS, n=3)
    names = [c.metadata["persona"]["name"] for c in result.conversations]
    assert names.count("happy") == 3 and names.count("grumpy") == 3


@pytest.mark.parametrize(("text", "message"), [
    ("items: []", "topic: Field required"),
    ("topic: x\nitems: []", "items: List should have at least 1 item"),
    ("topic: x\nitems: [{id: a, type: choice, text: q}]", "a choice item needs options"),
    ("topic: x\nitems: [{id: a, type: slider, text: q}]", "items.0.type"),
    ("topic: x\nitems: [{id: a, type: open, text: q}, {id: a, type: open, text: r}]", "item id(s) a used twice"),
    ("- just a list", "expected a mapping with topic: and items:"),
    ("topic: [unclosed", "not valid YAML"),
])
def test_bad_questionnaires_are_one_line_errors(tmp_path, text, message):
    (tmp_path / "q.yaml").write_text(text)
    with pytest.raises(UserError) as error:
        load_questionnaire(tmp_path / "q.yaml")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_survey_cli_writes_csv_json_html(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "people.yaml").write_text("- {name: a, description: x}\n- {name: b, description: y}\n")
    code = main(["survey", str(_form(tmp_path)), "--out", "sv", "--population",
                 "people.yaml", "--n", "2", "-q", "--simulator", "scripted", "-S", 'turns=["hi", "agree", "cheap", "all good"]'])
    assert code == 0
    rows = list(csv.DictReader(open(tmp_path / "sv/answers.csv")))
    assert len(rows) == 12 and {r["persona"] for r in rows} == {"a", "b"}
    assert [r["value"] for r in rows[:3]] == ["4", "", ""]  # 'cheap' is not an option of item 2; open items map to nothing
    dist = list(csv.DictReader(open(tmp_path / "sv/distributions.csv")))
    assert {"item": "like", "segment": "all", "value": "4", "count": "4", "n": "4", "share": "1.0",
            "ci95_low": "0.5101", "ci95_high": "1.0"} in dist
    survey = json.loads((tmp_path / "sv/survey.json").read_text())
    assert survey["distributions"]["price"]["all"]["unmapped"]["share"] == 1.0
    assert "<script" not in (tmp_path / "sv/survey.html").read_text()
    assert "like" in capsys.readouterr().out


def _form(tmp_path):
    (tmp_path / "form.yaml").write_text(
        "topic: a test\nitems:\n  - {id: like, type: likert, text: I like it.}\n"
        "  - {id: price, type: choice, text: 'Price?', options: [too expensive, about right]}\n"
        "  - {id: why, type: open, text: 'Why?'}\n")
    return tmp_path / "form.yaml"


def test_bad_questionnaire_on_the_cli_is_one_line(tmp_path, capsys):
    (tmp_path / "q.yaml").write_text("topic: x\nitems: []\n")
    assert main(["survey", str(tmp_path / "q.yaml"), "--out", str(tmp_path / "o"), "--simulator", "scripted"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "q.yaml" in err[0]


def test_a_judge_maps_only_what_the_rule_left_unmapped(tmp_path):
    judge = ComponentSpec(name="callable", options={"target": "redteam_bots:survey_judge"})
    result = run_survey(FORM, PersonaScripted(), PERSONAS, n=4, seed=3, judge=judge)
    odd = [a for a in result.answers if a.answer == "meh, whatever"]
    assert odd and all(a.value == 3 and a.mapped_by == "judge" for a in odd)
    assert all(a.mapped_by == "rule" for a in result.answers if a.type != "open" and a.answer != "meh, whatever")
    assert result.distributions["like"]["grumpy"]["unmapped"]["count"] == 0
    assert result.distributions["like"]["grumpy"]["values"]["3"]["count"] == len(odd)
