"""simuser's own decoding loop for local causal LMs: per-row random streams and per-conversation KV caches.

transformers' ``generate`` shares one random stream across the batch (so a sampled row depends on its
batch-mates, the batch size and where a run was resumed) and keeps no cache between calls (so every turn
re-reads each conversation's whole history). This loop fixes both, for any full-attention decoder that
takes ``position_ids``, a 4D attention mask and a :class:`transformers.DynamicCache`:

* **per-row streams**: row ``i`` samples from its own ``torch.Generator`` seeded with ``seeds[i]``
  (temperature, then top-p, then one multinomial draw), so its text depends only on its prompt and seed;
* **prefill once**: with a :class:`~simuser.models.kv_cache.KVCacheStore` and a key per row, a row reuses
  the cached keys/values of the longest common prefix of its prompt and the tokens cached for its key,
  and prefills only the rest. Rows reuse different lengths (a ragged batch): each row's past is
  right-aligned in one padded cache, its new tokens are right-aligned after it, and an explicit 4D mask
  and explicit position ids make every row see exactly its own tokens at their own positions;
* **early stop per row**: a row leaves the batch at its stop token (its cache is saved at that moment),
  so the remaining rows decode in a smaller batch.

Logits processors are called as ``processor(generated_ids, scores)`` on the active rows, where
``generated_ids`` holds only the tokens generated so far in this call; a processor with per-row state
offers ``for_rows(indices)`` to follow the batch as rows leave.

The design and why transformers' own cache classes and continuous batching were not used:
docs/design/kv-cache.md.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from simuser.errors import UserError
from simuser.models.kv_cache import KVCacheStore, common_prefix


@dataclass(frozen=True)
class DecodeSettings:
    """What to generate. ``greedy`` ignores temperature and top_p; ``min_new_tokens`` bans the stop ids
    before that many tokens (benchmarks use it to switch early stopping off)."""

    max_new_tokens: int
    stop_ids: tuple[int, ...]
    pad_id: int
    temperature: float = 1.0
    top_p: float = 1.0
    greedy: bool = False
    min_new_tokens: int = 0


@dataclass
class DecodeCall:
    """What one :func:`decode` call did, for observers (benchmarks time every call with it)."""

    rows: int
    prompt_tokens: int  # in all rows' prompts
    reused_tokens: int  # of those, read from the KV cache instead of prefilled
    new_tokens: int  # generated, in all rows
    seconds: float


observers: list[Callable[[DecodeCall], None]] = []
force_full_length = False  # benchmarks on random-weight models: every row runs to max_new_tokens


def decode(
    model: Any,
    prompts: Sequence[Sequence[int]],
    seeds: Sequence[int],
    settings: DecodeSettings,
    *,
    keys: Sequence[str | None] | None = None,
    store: KVCacheStore | None = None,
    processors: Sequence[Any] = (),
) -> list[list[int]]:
    """The generated token ids of each prompt (its stop token included, when it produced one)."""
    import torch

    if not prompts:
        return []
    started = time.perf_counter()
    keys = list(keys) if keys is not None else [None] * len(prompts)
    if force_full_length:
        settings = replace(settings, min_new_tokens=settings.max_new_tokens)
    store = store if store is not None and store.enabled else None
    with torch.inference_mode():
        run = _Run(model, [list(p) for p in prompts], list(seeds), settings, keys, store, list(processors))
        generated = run.go()
    call = DecodeCall(len(prompts), sum(map(len, prompts)), run.reused, sum(map(len, generated)),
                      time.perf_counter() - started)
    for observer in list(observers):
        observer(call)
    return generated


def check_supported(model: Any) -> None:
    """Sliding-window and linear-attention layers would need their own masks: refuse them clearly."""
    config = getattr(model, "config", None)
    types = set(getattr(config, "layer_types", None) or ["full_attention"])
    sliding = getattr(config, "sliding_window", None) and getattr(config, "use_sliding_window", True)
    if types != {"full_attention"} or sliding:
        raise UserError(f"model type '{getattr(config, 'model_type', '?')}' has sliding-window or linear attention "
                        "layers, which simuser's local decoder does not support; serve it with vLLM or llama.cpp "
                        "and use an endpoint backend")


@dataclass
class _Row:
    prompt: list[int]
    key: str | None
    generator: Any
    reuse: int = 0
    generated: list[int] = field(default_factory=list)


class _Run:
    """One call's state: the active rows, their padded cache, key mask and next positions."""

    def __init__(self, model, prompts, seeds, settings, keys, store, processors):
        import torch

        check_supported(model)
        self.model, self.settings, self.store, self.torch = model, settings, store, torch
        self.device = model.device
        self.rows = [_Row(p, k, _generator(s, self.device)) for p, k, s in zip(prompts, keys, seeds, strict=True)]
        self.active = list(range(len(self.rows)))
        self.processors = processors
        self.cache_arg = _cache_argument(model)
        self.reused = 0

    def go(self) -> list[list[int]]:
        logits = self.prefill()
        step = 0
        while True:
            tokens = self.choose(logits, step)
            done = self.record(tokens, step)
            self.retire(done)
            if not self.active:
                return [row.generated for row in self.rows]
            logits = self.forward_one(tokens, done)
            step += 1

    # prefill -------------------------------------------------------------------------------------

    def prefill(self):
        torch = self.torch
        entries = [self.store.take(row.key) if self.store else None for row in self.rows]
        for row, entry in zip(self.rows, entries, strict=True):
            row.reuse = _reusable(entry, row.prompt)
        self.reused = sum(row.reuse for row in self.rows)
        past = max(row.reuse for row in self.rows)
        width = max(len(row.prompt) - row.reuse for row in self.rows)
        batch = len(self.rows)
        input_ids = torch.full((batch, width), self.settings.pad_id, dtype=torch.long)
        positions = torch.zeros((batch, width), dtype=torch.long)
        self.valid = torch.zeros((batch, past + width), dtype=torch.bool)
        for i, row in enumerate(self.rows):
            new = row.prompt[row.reuse:]
            input_ids[i, width - len(new):] = torch.tensor(new, dtype=torch.long)
            positions[i, width - len(new):] = torch.arange(row.reuse, len(row.prompt))
            self.valid[i, past - row.reuse:past] = True
            self.valid[i, past + width - len(new):] = True
        self.valid = self.valid.to(self.device)
        self.next_position = torch.tensor([len(r.prompt) for r in self.rows], dtype=torch.long, device=self.device)
        self.cache = self._past_cache(entries, past)
        mask = self._prefill_mask(past, width)
        return self._forward(input_ids.to(self.device), positions.to(self.device), mask)

    def _past_cache(self, entries, past: int):
        from transformers import DynamicCache

        if past == 0:
            return DynamicCache()
        sample = next(e for e, r in zip(entries, self.rows, strict=True) if r.reuse)
        layers = []
        for layer, (k0, v0) in enumerate(sample.layers):
            keys = k0.new_zeros((len(self.rows), k0.shape[1], past, k0.shape[3]))
            values = v0.new_zeros((len(self.rows), v0.shape[1], past, v0.shape[3]))
            for i, (entry, row) in enumerate(zip(entries, self.rows, strict=True)):
                if row.reuse:
                    keys[i, :, past - row.reuse:] = entry.layers[layer][0][0, :, :row.reuse]
                    values[i, :, past - row.reuse:] = entry.layers[layer][1][0, :, :row.reuse]
            layers.append((keys, values))
        return DynamicCache(layers)

    def _prefill_mask(self, past: int, width: int):
        """Causal over columns, only each row's own valid keys; a padding query sees itself (no NaN)."""
        torch = self.torch
        columns = torch.arange(past + width, device=self.device)
        queries = past + torch.arange(width, device=self.device)
        causal = columns[None, :] <= queries[:, None]
        itself = columns[None, :] == queries[:, None]
        allowed = (self.valid[:, None, :] & causal[None]) | itself[None]
        return self._mask(allowed[:, None])

    def _mask(self, allowed):
        if getattr(self.model.config, "_attn_implementation", "sdpa") != "eager":
            return allowed
        dtype = self.model.dtype
        return self.torch.zeros(allowed.shape, dtype=dtype, device=self.device).masked_fill(
            ~allowed, self.torch.finfo(dtype).min)

    def _forward(self, input_ids, positions, mask):
        kwargs = {self.cache_arg: self.cache, "logits_to_keep": 1}
        out = self.model(input_ids=input_ids, position_ids=positions, attention_mask=mask, use_cache=True, **kwargs)
        return out.logits[:, -1, :].float()

    # decoding ------------------------------------------------------------------------------------

    def choose(self, logits, step: int):
        """One token per active row: processors, the min-length stop ban, then greedy or the row's own draw."""
        scores = logits
        if self.processors:
            generated = self.torch.tensor([self.rows[i].generated for i in self.active], dtype=self.torch.long,
                                          device=self.device).reshape(len(self.active), step)
            for processor in self.processors:
                scores = processor(generated, scores)
        if step < self.settings.min_new_tokens:
            scores = scores.clone()
            scores[:, list(self.settings.stop_ids)] = -float("inf")
        if self.settings.greedy:
            return scores.argmax(dim=-1)
        generators = [self.rows[i].generator for i in self.active]
        return _draw(scores, self.settings.temperature, self.settings.top_p, generators)

    def record(self, tokens, step: int) -> list[int]:
        """Append each row's token; the positions (in the active batch) of rows that are finished."""
        done = []
        stop = set(self.settings.stop_ids)
        for j, (i, token) in enumerate(zip(self.active, tokens.tolist(), strict=True)):
            self.rows[i].generated.append(token)
            if token in stop or step + 1 >= self.settings.max_new_tokens:
                done.append(j)
        return done

    def retire(self, done: list[int]) -> None:
        """Save finished rows' caches and drop them from the batch."""
        if not done:
            return
        for j in done:
            self._save(j)
        keep = [j for j in range(len(self.active)) if j not in set(done)]
        self.active = [self.active[j] for j in keep]
        if not self.active:
            return
        index = self.torch.tensor(keep, dtype=self.torch.long, device=self.device)
        self.cache.batch_select_indices(index)
        self.valid = self.valid[index]
        self.next_position = self.next_position[index]
        self.processors = [p.for_rows(keep) if hasattr(p, "for_rows") else p for p in self.processors]

    def _save(self, j: int) -> None:
        row = self.rows[self.active[j]]
        if self.store is None or row.key is None:
            return
        columns = self.valid[j]
        layers = [(layer.keys[j][:, columns].unsqueeze(0), layer.values[j][:, columns].unsqueeze(0))
                  for layer in self.cache.layers]
        self.store.put(row.key, row.prompt + row.generated[:-1], layers)

    def forward_one(self, tokens, done: list[int]):
        torch = self.torch
        keep = [j for j in range(len(tokens)) if j not in set(done)]
        fed = tokens[keep].reshape(-1, 1).to(self.device)
        positions = self.next_position.reshape(-1, 1)
        self.valid = torch.cat([self.valid, torch.ones((len(keep), 1), dtype=torch.bool, device=self.device)], dim=1)
        self.next_position = self.next_position + 1
        return self._forward(fed, positions, self._mask(self.valid[:, None, None, :]))


def _reusable(entry, prompt: list[int]) -> int:
    """How many leading prompt tokens the entry's keys/values can stand for (at least one token is left to
    prefill: its logits start the turn)."""
    if entry is None:
        return 0
    return min(common_prefix(entry.tokens, prompt), len(prompt) - 1)


def _generator(seed: int, device: Any):
    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed) % (2**63))
    return generator


#: Tokens looked at for the nucleus before falling back to sorting the whole vocabulary. A top_p of 0.8-0.9
#: on a chat model's next token almost always fits in far fewer; sorting every 49k-token row and drawing
#: over all of it took 115 of 408 ms of a batch-32 decoding step on 2 CPU cores (benchmarks/profile_decode.py).
NUCLEUS_CANDIDATES = 256


def _draw(scores, temperature: float, top_p: float, generators: Sequence[Any]):
    """One token per row, each from its own generator: temperature, nucleus (top-p), one multinomial draw.

    The nucleus is the rule of :func:`_warp` (keep a token while the mass ranked above it is below top_p),
    found among the row's ``NUCLEUS_CANDIDATES`` most likely tokens; a row whose candidates hold less than
    top_p of the mass is drawn the slow way, over the whole vocabulary. Everything is per row, so a row's
    token never depends on its batch-mates.
    """
    import torch

    scores = scores / max(temperature, 1e-5)
    if top_p >= 1.0:
        probs = scores.softmax(dim=-1)
        return torch.cat([torch.multinomial(probs[j], 1, generator=g) for j, g in enumerate(generators)])
    top, index = scores.topk(min(NUCLEUS_CANDIDATES, scores.shape[-1]), dim=-1)
    mass = (top - scores.logsumexp(dim=-1, keepdim=True)).exp()
    above = mass.cumsum(dim=-1) - mass  # the mass of the tokens ranked above each candidate
    drop = above >= top_p
    drop[:, 0] = False  # the likeliest token always stays (as in _warp, even for top_p 0)
    weights = mass.masked_fill(drop, 0.0)
    covered = (above[:, -1] + mass[:, -1] >= top_p).tolist()
    picks = []
    for j, generator in enumerate(generators):
        if covered[j]:
            picks.append(index[j, torch.multinomial(weights[j], 1, generator=generator)])
        else:
            probs = _warp(scores[j:j + 1], 1.0, top_p).softmax(dim=-1)[0]
            picks.append(torch.multinomial(probs, 1, generator=generator))
    return torch.cat(picks)


def _warp(scores, temperature: float, top_p: float):
    """Temperature, then nucleus filtering as transformers' ``TopPLogitsWarper`` does it (keep >= 1 token)."""
    import torch

    scores = scores / max(temperature, 1e-5)
    if top_p >= 1.0:
        return scores
    ordered, order = torch.sort(scores, descending=False)
    cumulative = ordered.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= (1 - top_p)
    remove[..., -1] = False
    return scores.masked_fill(remove.scatter(1, order, remove), -float("inf"))


def _cache_argument(model: Any) -> str:
    """transformers 5 renamed the forward's ``past_key_values`` to ``cache`` (both still work for a while)."""
    parameters = inspect.signature(model.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"
