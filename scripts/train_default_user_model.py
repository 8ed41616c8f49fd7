"""Reproduce the shipped user model: SmolLM2-135M-Instruct + LoRA, trained on the MTRAG-UN dev split.

    python scripts/train_default_user_model.py                 # flip + train (resumes if interrupted)
    python scripts/train_default_user_model.py --ship          # then copy the adapter into the package
    python scripts/train_default_user_model.py --ship --adapter RUN/adapter --dest src/simuser/adapters/NAME
                                                               # package another run's adapter the same way

Reads only ``load_reference("dev")`` (the test split is for measurement). Outputs go to
``.cache/userlm-smollm2/`` (flipped/, checkpoints/, adapter/, train_log.jsonl, train.json); the run's
log and wall time are in docs/training.md. Equivalent CLI:

    simuser flip dev.jsonl --model smollm2 --packing conversation --max-length 1024 \
        --max-assistant-tokens 64 --out flipped
    simuser train flipped --model smollm2 --out .cache/userlm-smollm2 --grad-accum 4 --threads 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from simuser.metrics.reference import load_reference
from simuser.train.data import is_flipped_dataset, load_userlm_tokenizer, save_flipped
from simuser.train.flip import flip_to_dataset
from simuser.train.trainer import TrainConfig, train_user_model

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".cache" / "userlm-smollm2"
SHIPPED = ROOT / "src" / "simuser" / "adapters" / "userlm-smollm2-mtrag"
MODEL = "smollm2"
MAX_LENGTH = 1024
MAX_ASSISTANT_TOKENS = 64  # replies in the history keep their first 64 tokens (CPU budget)
PACKING = "conversation"


def flip_dev(out: Path) -> None:
    """Flip the dev split once; later runs (and resumes) reuse the saved dataset."""
    if is_flipped_dataset(out):
        return
    tokenizer = load_userlm_tokenizer(MODEL)
    dataset, stats = flip_to_dataset(load_reference("dev"), tokenizer, max_length=MAX_LENGTH, packing=PACKING,
                                     max_assistant_tokens=MAX_ASSISTANT_TOKENS)
    save_flipped(dataset, stats.summary(), out, MODEL)
    print(json.dumps(stats.summary(), indent=2))


def ship(adapter: Path, dest: Path = SHIPPED) -> None:
    """Copy the adapter (weights as float16: half the size) and tokenizer into ``dest``.

    ATTRIBUTION.md and LICENSE(s) are written by hand for each model and live there; peft's generated
    README.md is not copied.
    """
    from safetensors.torch import load_file, save_file

    dest.mkdir(parents=True, exist_ok=True)
    for path in adapter.iterdir():
        if path.is_file() and path.name not in ("README.md", "adapter_model.safetensors"):
            shutil.copy2(path, dest / path.name)
    config = dest / "simuser_train_config.json"
    config.write_text(config.read_text().replace(f"{ROOT}/", ""))  # repository-relative paths
    weights = load_file(str(adapter / "adapter_model.safetensors"))
    save_file({k: v.half() for k, v in weights.items()}, str(dest / "adapter_model.safetensors"),
              metadata={"format": "pt"})
    (dest / "adapter_model.safetensors").chmod(0o644)
    print(f"shipped {adapter} -> {dest}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ship", action="store_true", help="copy the trained adapter into the package")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--adapter", type=Path, help="with --ship: the adapter to package (default: OUT/adapter)")
    parser.add_argument("--dest", type=Path, default=SHIPPED, help="with --ship: where to (default: the shipped one)")
    args = parser.parse_args()
    if args.ship:
        return ship(args.adapter or args.out / "adapter", args.dest)
    started = time.time()
    flip_dev(args.out / "flipped")
    config = TrainConfig(
        data=args.out / "flipped", out=args.out, model=MODEL, max_length=MAX_LENGTH, packing=PACKING,
        lora_r=8, lora_alpha=16, epochs=1.0, grad_accum=4, learning_rate=4e-4, save_steps=5, threads=2,
        device="cpu", resume=(args.out / "checkpoints").is_dir(),
    )
    result = train_user_model(config)
    print(f"done: {result.steps} steps in {time.time() - started:.0f} s; adapter at {result.model_dir}")


if __name__ == "__main__":
    main()
