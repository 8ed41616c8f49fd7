"""Shared fixtures: tiny random-weight Llama models with real tokenizers, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest


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
