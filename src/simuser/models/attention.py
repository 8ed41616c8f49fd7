"""Which attention kernels batched generation may use on CUDA.

torch (2.5 onwards on Hopper and later) sends ``scaled_dot_product_attention`` with an explicit mask, which
left-padded batches always carry, to cuDNN first, and cuDNN builds a new execution plan for every
new ``(batch, query length, key length)``. Decoding grows the key length by one every step, and every
turn of a simulation has new prompt lengths, so the plans are almost never reused. Measured on an H200
(random UserLM-8b-shaped model, bf16, torch 2.11, docs/performance.md "GPU"): a 32-row, 32-token
``generate`` took 0.76 s when its shapes had been seen before and 1.9 s when they had not; the engine's
4-turn run averaged 137 ms per decoding step against 31 ms for warmed shapes. The same cause is reported
upstream (modelscope/FunASR#3704: ``torch.backends.cuda.enable_cudnn_sdp(False)`` removed it).

simuser therefore runs its own ``generate`` calls with cuDNN left out of the SDPA backends (flash,
memory-efficient and math remain, in torch's order). The setting is scoped to those calls, not global.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any


def generation_attention(device: Any) -> AbstractContextManager[Any]:
    """A context for one ``generate`` call on ``device``: SDPA without cuDNN on CUDA, nothing elsewhere."""
    if not str(device).startswith("cuda"):
        return nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH])
