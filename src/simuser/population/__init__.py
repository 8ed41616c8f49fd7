"""Populations: who the simulated users are.

A population is a weighted list of :class:`Persona` (``name``, ``weight``, ``description``, optional
``attributes``), read from YAML or JSONL (:func:`load_population`). Each conversation draws one persona
from its own seed (:func:`draw_persona`), so the draw does not depend on order, batching or workers; the
engine stores it on the conversation as ``conversation.metadata["persona"]`` and hands it to the
simulator in :class:`~simuser.users.ConversationState`. How a persona reaches each simulator kind:

- UserLM-format models: :func:`userlm_system_message`, the intent then a persona block, in the system
  message (see docs/populations.md for the exact bytes);
- the prompted baseline: the ``persona`` variable of its prompt file (``prompts/prompted_user.md``).

:func:`persona_breakdown` groups user metrics by persona for the report.
"""

from simuser.population.breakdown import persona_breakdown, persona_name
from simuser.population.draw import draw_persona
from simuser.population.load import load_population
from simuser.population.persona import Persona, validate_population
from simuser.population.render import persona_block, userlm_system_message

__all__ = [
    "Persona",
    "draw_persona",
    "load_population",
    "persona_block",
    "persona_breakdown",
    "persona_name",
    "userlm_system_message",
    "validate_population",
]
