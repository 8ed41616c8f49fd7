"""Train your own user model: "flip the dialogue" (UserLM, arXiv 2510.06552) on your conversation logs.

The pipeline, each step a function here and a CLI command:

1. :func:`summarize_intents` (``simuser intents``): one high-level intent per conversation, any chat LLM;
2. :func:`flip_to_dataset` (``simuser flip``): K user turns -> K + 1 samples (intent, history, next user
   turn or ``<|endconversation|>``), loss on the target only;
3. :func:`train_user_model` (``simuser train``): LoRA (or full) fine-tuning in the UserLM format;
4. :func:`simuser.metrics.perplexity.user_turn_perplexity` (``simuser perplexity``): held-out perplexity.

:func:`load_user_model` loads the result (a model directory, or a base plus an adapter). Nothing here
imports torch, transformers, peft or datasets until a function runs. See docs/training.md.
"""

from simuser.train.flip import FlipSample, FlipStats, flip_conversation, flip_records, flip_to_dataset
from simuser.train.intent_writer import endpoint_chat, local_chat, summarize_intents
from simuser.train.load import load_user_model
from simuser.train.trainer import TrainConfig, TrainResult, train_user_model

__all__ = [
    "FlipSample", "FlipStats", "TrainConfig", "TrainResult", "endpoint_chat", "flip_conversation", "flip_records",
    "flip_to_dataset", "load_user_model", "local_chat", "summarize_intents", "train_user_model",
]
