"""JSONPath-lite on hand-written documents."""

import pytest

from simuser.models.json_path import PathError, get_path, parse_path

DOC = {"data": {"reply": {"text": "hi"}}, "choices": [{"message": {"content": "first"}}, {"message": {"content": "last"}}]}


@pytest.mark.parametrize(("path", "value"), [
    ("data.reply.text", "hi"),
    ("$.data.reply.text", "hi"),
    ("choices[0].message.content", "first"),
    ("choices.1.message.content", "last"),
    ("choices[-1].message.content", "last"),
    ("", DOC),
])
def test_paths(path, value):
    assert get_path(DOC, path) == value


def test_parse_and_errors():
    assert parse_path("a.b[2].c") == ["a", "b", 2, "c"]
    with pytest.raises(PathError, match=r"no data\.reply\.txt in the response \(keys at data\.reply: text\)"):
        get_path(DOC, "data.reply.txt")
    with pytest.raises(PathError, match=r"no choices\[5\] in the response \(choices is a list of 2\)"):
        get_path(DOC, "choices[5]")
    with pytest.raises(ValueError, match="at character 2"):
        parse_path("a[x]")
