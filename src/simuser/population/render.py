"""How a persona is written into a UserLM-format model's system message.

The system message is the intent, a blank line, then the persona block::

    You are a user chatting with an assistant language model to plan a trip.

    About you: a retired nurse, not technical, writes long messages with typos.
    expertise: novice; language: English

The second line appears only when the persona has attributes (``key: value`` in the order written,
joined by ``; ``). Without a persona the system message is the intent alone, byte for byte as before.
The prompted baseline does not use this: its prompt file places ``persona`` itself.
"""

from __future__ import annotations

from simuser.population.persona import Persona

ABOUT = "About you: "


def persona_block(persona: Persona) -> str:
    """``About you: DESCRIPTION`` plus an attributes line when there are any."""
    lines = [ABOUT + persona.description.strip()]
    if persona.attributes:
        lines.append("; ".join(f"{key}: {_text(value)}" for key, value in persona.attributes.items()))
    return "\n".join(lines)


def userlm_system_message(intent: str, persona: Persona | None) -> str:
    """The system message of a UserLM-format prompt: the intent, then the persona block if any."""
    return intent if persona is None else f"{intent}\n\n{persona_block(persona)}"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
