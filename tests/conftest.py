"""Shared fixtures: tiny random-weight Llama models with real tokenizers, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests run tiny models, which gain nothing from intra-op threads; on a busy 2-core machine the threads
# spin-wait and make generate 5-20x slower (measured with a 2-row greedy next_turns on the tiny Llama).
# Set before torch is imported; an OMP_NUM_THREADS already in the environment wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def tiny_userlm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model in UserLM format (UserLM special tokens and chat template)."""
    from simuser.testing.tiny_models import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-userlm"), userlm=True)


@pytest.fixture(scope="session")
def tiny_chat_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ordinary chat model (its own chat template, no UserLM tokens)."""
    from simuser.testing.tiny_models import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-chat"), userlm=False)
