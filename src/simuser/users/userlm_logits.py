"""Logit-level guardrails for transformers ``generate``.

Two processors, both cheap enough to run at every decoding step:

* :class:`FirstTokenBan` masks the banned opening words while a row has produced only whitespace
  (the prompt ends with an open user header, so the first token is usually its newline);
* :class:`EndConversationBan` masks ``<|endconversation|>`` for the rows that have not had enough user
  turns yet. Rows in a batch are at different turn counts, hence one flag per row.

A third, :class:`EndConversationBias`, is a calibration knob rather than a guardrail: a constant added to
the end token's logit shifts every end decision's odds by ``exp(bias)`` (see
:mod:`simuser.train.end_calibration` for fitting it to a team's logs).

All assume one sequence per prompt row and a prompt of ``prompt_length`` tokens; simuser's own decoder
(:mod:`simuser.models.decoding`) passes only the generated tokens (``prompt_length=0``) and asks
:meth:`EndConversationBan.for_rows` for the rows still decoding when others have stopped.

This module imports transformers at the top; import it only from code that already needs a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import LogitsProcessor


class FirstTokenBan(LogitsProcessor):
    """Forbid ``banned_ids`` until a row has generated something other than whitespace."""

    def __init__(self, banned_ids: Sequence[int], whitespace_ids: Sequence[int], prompt_length: int):
        self.banned_ids = torch.tensor(sorted(set(banned_ids)), dtype=torch.long)
        self.whitespace_ids = torch.tensor(sorted(set(whitespace_ids)), dtype=torch.long)
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.banned_ids.numel() == 0:
            return scores
        generated = input_ids[:, self.prompt_length:]
        not_started = torch.isin(generated, self.whitespace_ids.to(generated.device)).all(dim=1)
        if not bool(not_started.any()):
            return scores
        rows = not_started.nonzero(as_tuple=True)[0]
        scores = scores.clone()
        scores[rows.unsqueeze(1), self.banned_ids.to(scores.device).unsqueeze(0)] = -float("inf")
        return scores


class EndConversationBan(LogitsProcessor):
    """Forbid the end-of-conversation token in the rows where ``suppress[row]`` is True."""

    def __init__(self, end_id: int, suppress: Sequence[bool]):
        self.end_id = end_id
        self.suppress = torch.tensor(list(suppress), dtype=torch.bool)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if not bool(self.suppress.any()):
            return scores
        scores = scores.clone()
        rows = self.suppress.to(scores.device)
        scores[rows, self.end_id] = -float("inf")
        return scores

    def for_rows(self, rows: Sequence[int]) -> EndConversationBan:
        """The same ban for a batch reduced to ``rows`` (the decoder drops rows as they finish)."""
        return EndConversationBan(self.end_id, [bool(self.suppress[i]) for i in rows])


class EndConversationBias(LogitsProcessor):
    """Add ``bias`` to the end-of-conversation logit of every row (odds of ending times ``exp(bias)``).

    It runs before temperature scaling, so under sampling at temperature T the log-odds move by bias / T.
    """

    def __init__(self, end_id: int, bias: float):
        self.end_id = end_id
        self.bias = float(bias)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        scores = scores.clone()
        scores[:, self.end_id] += self.bias
        return scores
