import pytest

from simuser.errors import UserError
from simuser.tasks.conditions import parse_conditions


def test_names_labels_and_options():
    conditions = parse_conditions('original,prompted,hot=prompted:temperature=1.2:model="org/m",userlm',
                                  {"max_new_tokens": 40})
    assert [c.label for c in conditions] == ["original", "prompted", "hot", "userlm"]
    assert conditions[0].simulator.options == {}  # the question asked once takes no simulator options
    assert conditions[1].simulator.options == {"max_new_tokens": 40}
    assert conditions[2].simulator.name == "prompted"
    assert conditions[2].simulator.options == {"max_new_tokens": 40, "temperature": 1.2, "model": "org/m"}


def test_json_values_may_hold_commas_and_colons():
    (condition,) = parse_conditions('s=scripted:turns=["a, b", "c"]')
    assert condition.simulator.options == {"turns": ["a, b", "c"]}
    (served,) = parse_conditions('u=userlm-completions:base_url="http://h:8001/v1"')
    assert served.simulator.options == {"base_url": "http://h:8001/v1"}


@pytest.mark.parametrize(("text", "message"), [
    ("original,original", "condition 'original' appears twice"),
    ("nosuchsim", "unknown simulator 'nosuchsim'; choose one of:"),
    ("a/b=prompted", "condition label 'a/b' must be letters"),
    ("x=prompted:temperature", "'temperature' is not KEY=VALUE"),
    ("", "--conditions is empty"),
])
def test_bad_conditions_are_one_line_errors(text, message):
    with pytest.raises(UserError, match=message):
        parse_conditions(text)
