"""Merge a peft adapter into its base model: used by the UserLM loader and by ``simuser.train``.

It lives with the models (below both users and train) so loading a user model never imports the trainer.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from simuser.errors import require


def merge_adapter(base: Any, tokenizer: Any, adapter: Path) -> Any:
    """``base`` with the peft adapter merged in, its embeddings first grown to ``tokenizer``.

    The grown rows need no initialisation: the adapter's trainable token rows overwrite them.
    """
    peft = require("peft", "train")
    if len(tokenizer) > base.get_input_embeddings().num_embeddings:
        base.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    with warnings.catch_warnings():  # peft calls a transformers API deprecated in v5: noise for our users
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return peft.PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
