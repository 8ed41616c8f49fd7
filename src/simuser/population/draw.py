"""Drawing one persona per conversation, reproducibly from the conversation's seed.

The rule, chosen so anyone can recompute it: ``u = derive_seed(conversation_seed, "persona") / 2**31``
(uniform in [0, 1)), and the persona is the first whose cumulative weight share exceeds ``u``, in file
order. The draw depends only on the conversation seed (itself from the run seed, intent id and sample
index), never on the order, batch or worker that ran the conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from simuser.population.persona import Persona
from simuser.seeds import derive_seed


def draw_persona(personas: Sequence[Persona], conversation_seed: int) -> Persona:
    """The persona of the conversation whose seed is ``conversation_seed``."""
    u = derive_seed(conversation_seed, "persona") / 2**31
    total = sum(p.weight for p in personas)
    for persona, cumulative in zip(personas, accumulate(p.weight for p in personas), strict=True):
        if u < cumulative / total:
            return persona
    return personas[-1]  # u == 1.0 cannot happen, but floating sums can fall just short
