"""Chat templates for models served without one (``openai-completions``) or overridden locally.

``"userlm"`` names the UserLM format (intent as the system message, the history with its roles, an open
``user`` header; see :mod:`simuser.users.userlm_template`); any other value is a Jinja chat template with
the same variables transformers passes (``messages``, ``add_generation_prompt``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from simuser.errors import UserError
from simuser.tokens import END_HEADER, END_OF_TURN, START_HEADER

#: Jinja chat template of the UserLM format (``add_generation_prompt`` opens the user header).
USERLM_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '" + START_HEADER + "' + message['role'] + '" + END_HEADER + "\n' + message['content'] + '"
    + END_OF_TURN + "' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '" + START_HEADER + "user" + END_HEADER + "' }}{% endif %}"
)

NAMED_TEMPLATES = {"userlm": USERLM_CHAT_TEMPLATE}


def render_chat(template: str, chat: Sequence[Mapping[str, Any]], add_generation_prompt: bool = True) -> str:
    """``chat`` rendered with ``template`` (a name from :data:`NAMED_TEMPLATES` or Jinja source)."""
    return _compiled(NAMED_TEMPLATES.get(template, template)).render(
        messages=[dict(m) for m in chat], add_generation_prompt=add_generation_prompt
    )


@lru_cache(maxsize=16)
def _compiled(source: str):
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        return ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"chat template line {exc.lineno}: {exc.message}; fix the template") from None
