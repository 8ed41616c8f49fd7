"""The UserLM special tokens and fixed phrases, named once.

Every other module imports these names; a literal ``"<|eot_id|>"`` anywhere else is a bug waiting to
happen (the conventions in DEVELOPERS.md must match UserLM-8b byte for byte).
"""

from __future__ import annotations

START_HEADER = "<|start_header_id|>"
END_HEADER = "<|end_header_id|>"
END_OF_TURN = "<|eot_id|>"
END_CONVERSATION = "<|endconversation|>"
BEGIN_OF_TEXT = "<|begin_of_text|>"  # UserLM prompts carry no BOS; named so code can strip it.

#: Tokens a base model must gain before it can be trained into a UserLM-format model.
USERLM_SPECIAL_TOKENS: tuple[str, ...] = (START_HEADER, END_HEADER, END_OF_TURN, END_CONVERSATION)

#: Every conversation intent starts with this phrase (the paper's intent format).
INTENT_PREFIX = "You are a user chatting with an assistant language model to"

#: First words the paper bans for a user turn (assistant-like openings).
BANNED_FIRST_WORDS: tuple[str, ...] = ("I", "You", "Here")

ROLES: tuple[str, ...] = ("system", "user", "assistant")
