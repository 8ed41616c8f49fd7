"""The offline naturalness detector: people's user turns versus machine-written text, blind to topic words.

A logistic regression over TF-IDF character 1-4-grams and word 1-3-grams of each text *with its content
words masked* (:func:`mask_content_words`: function words, punctuation, case and spacing stay; every other
word becomes its shape, ``x``, ``Xx``, ``XX`` or ``0``). Why masked: people in the public dialogue sets talk
about trains and restaurants while the machine text available offline talks about software and ethics, so
a classifier that sees words learns "booking words = human" (measured in docs/metrics.md: held-out people
of the WOZ domains scored 12-23 points above the reference). Blind to topic, it has to go by how people
write: lower case, missing punctuation, "can u", short fragments.

Trained on ``data/detector/naturalness_train.jsonl.gz`` (shipped; built by ``scripts/build_detector_data.py``):
human user turns from the train splits of MTRAG-UN, STAR, MultiWOZ and HH-RLHF (label 1) against MTRAG-UN
agent turns, HH-RLHF assistant turns and prompted-baseline users (label 0), machine texts cut to lengths
drawn from the human length distribution so that length alone tells nothing. Training takes about 8
seconds, so the fitted model is cached (``$SIMUSER_CACHE_DIR/detectors``) under a key of the training file,
the detector version and the scikit-learn version; pickles never cross versions.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import pickle
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simuser.errors import require
from simuser.schema import Conversation

DETECTOR_VERSION = "2"
TRAINING_SEED = 0
TRAINING_TEXTS = Path(__file__).resolve().parent.parent / "data" / "detector" / "naturalness_train.jsonl.gz"
#: Words kept as they are by :func:`mask_content_words`, besides scikit-learn's English stop words: how people
#: open, ask, thank and contract, none of which says what the conversation is about.
CONVERSATIONAL_WORDS = frozenset(
    "hi hello hey thanks thank please ok okay yes yeah no nope sure sorry hmm lol pls u ur im i'm i'd i've i'll "
    "dont don't cant can't wont won't didn't doesn't isn't aren't wasn't it's that's what's let's there's "
    "need want like tell know help just really also maybe".split())
_WORD_PIECES = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+|[^\sA-Za-z\d]")


class OfflineDetector:
    """P(human) from the user-versus-assistant classifier; trains on first use, then loads from cache."""

    name = "offline"

    def __init__(self, model_path: str | None = None):
        self._model_path = Path(model_path) if model_path else None
        self._model: Any = None

    def p_human(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        model = self._load()
        return [float(p) for p in model.predict_proba(list(texts))[:, 1]]

    def _load(self) -> Any:
        if self._model is None:
            self._model = load_model(self._model_path) if self._model_path else cached_reference_model()
        return self._model


def training_examples(conversations: Sequence[Conversation], seed: int = TRAINING_SEED) -> tuple[list[str], list[int]]:
    """(texts, labels): human user turns (1) and length-matched cuts of assistant turns (0)."""
    user = [m.content for c in conversations for m in c.user_turns if m.metadata.get("author_type", "human") == "human"]
    assistant = [m.content for c in conversations for m in c.assistant_turns]
    lengths = np.array([max(1, len(t.split())) for t in user])
    rng = np.random.default_rng(seed)
    cuts = [" ".join(text.split()[: int(rng.choice(lengths))]) for text in assistant]
    texts = user + [c for c in cuts if c]
    return texts, [1] * len(user) + [0] * (len(texts) - len(user))


@functools.cache
def _kept_words() -> frozenset[str]:
    """scikit-learn's English stop words and :data:`CONVERSATIONAL_WORDS`, built once."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | CONVERSATIONAL_WORDS


def mask_content_words(text: str) -> str:
    """``"I need a train to Cambridge, pls!"`` -> ``"I need a x to Xx, pls!"``: what a text is about, hidden."""
    kept = _kept_words()

    def shape(piece: str) -> str:
        if not piece[0].isalnum() or piece.lower() in kept:
            return piece
        if piece.isdigit():
            return "0"
        if piece.isupper() and len(piece) > 1:
            return "XX"
        return "Xx" if piece[0].isupper() else "x"

    text = text.replace("\u2019", "'")
    return " ".join("".join(shape(p) for p in _WORD_PIECES.findall(token)) for token in text.split())


def mask_all(texts: Sequence[str]) -> list[str]:
    return [mask_content_words(t) for t in texts]


def train_detector(texts: Sequence[str], labels: Sequence[int]) -> Any:
    """Fit the masking + TF-IDF + logistic-regression pipeline."""
    require("sklearn", "metrics")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import FunctionTransformer

    features = make_union(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, sublinear_tf=True, lowercase=False),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 3), min_df=2, sublinear_tf=True, lowercase=False, token_pattern=r"\S+"),
    )
    model = make_pipeline(FunctionTransformer(mask_all), features,
                          LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced"))
    return model.fit(list(texts), list(labels))


def shipped_training_texts(path: Path = TRAINING_TEXTS) -> tuple[list[str], list[int], list[str]]:
    """(texts, labels, sources) of the shipped training file."""
    rows = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines() if line]
    return [r["text"] for r in rows], [int(r["label"]) for r in rows], [r["source"] for r in rows]


def cached_reference_model() -> Any:
    """The detector trained on the shipped texts, from the cache or freshly trained and cached."""
    from simuser.models.cache import cache_dir

    path = cache_dir("detectors") / f"offline-{_cache_key(TRAINING_TEXTS)}.pkl"
    if path.exists():
        return load_model(path)
    texts, labels, _ = shipped_training_texts()
    model = train_detector(texts, labels)
    staging = path.with_suffix(".tmp")
    staging.write_bytes(pickle.dumps(model))
    staging.replace(path)
    return model


def load_model(path: Path) -> Any:
    require("sklearn", "metrics")
    return pickle.loads(Path(path).read_bytes())


def held_out_accuracy(model: Any = None) -> dict[str, float]:
    """Accuracy on the reference's test part: length-matched (as trained) and with whole assistant turns."""
    from simuser.metrics.reference import load_reference

    model = model or cached_reference_model()
    test = load_reference("test")
    texts, labels = training_examples(test, seed=TRAINING_SEED + 1)
    whole = [m.content for c in test for m in c.assistant_turns]
    user_count = sum(labels)
    whole_texts, whole_labels = texts[:user_count] + whole, [1] * user_count + [0] * len(whole)
    return {
        "accuracy_length_matched": _accuracy(model, texts, labels),
        "accuracy_whole_turns": _accuracy(model, whole_texts, whole_labels),
        "n_user_turns": float(user_count),
        "n_assistant_turns": float(len(whole)),
    }


def _accuracy(model: Any, texts: list[str], labels: list[int]) -> float:
    return float(np.mean(model.predict(texts) == np.array(labels)))


def _cache_key(training_path: Path) -> str:
    import sklearn

    digest = hashlib.sha256(training_path.read_bytes())
    digest.update(f"{DETECTOR_VERSION}/{sklearn.__version__}/{TRAINING_SEED}".encode())
    return digest.hexdigest()[:16]
