"""The offline naturalness detector: human user turns versus assistant turns, told apart by n-grams.

A logistic regression over TF-IDF character 2-4-grams (within words) and word 1-2-grams, trained on the
reference's *development* part: human-written user turns (label 1) against assistant turns (label 0).
Assistant turns are much longer than user turns, so a naive classifier learns length alone; each assistant
turn is therefore cut to a length drawn from the user-turn length distribution (seeded), which makes the
classifier look at wording and style. The test part is the held-out set (see :func:`held_out_accuracy`).

Training takes a few seconds, so the fitted model is cached (``$SIMUSER_CACHE_DIR/detectors``) under a key
of the training data, the detector version and the scikit-learn version; pickles never cross versions.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simuser.errors import require
from simuser.schema import Conversation

DETECTOR_VERSION = "1"
TRAINING_SEED = 0


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


def train_detector(texts: Sequence[str], labels: Sequence[int]) -> Any:
    """Fit the TF-IDF + logistic-regression pipeline."""
    require("sklearn", "metrics")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True, lowercase=False),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
    )
    model = make_pipeline(features, LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"))
    return model.fit(list(texts), list(labels))


def cached_reference_model() -> Any:
    """The detector trained on the reference's dev part, from the cache or freshly trained and cached."""
    from simuser.metrics.reference import REFERENCE_PATH, load_reference
    from simuser.models.cache import cache_dir

    path = cache_dir("detectors") / f"offline-{_cache_key(REFERENCE_PATH)}.pkl"
    if path.exists():
        return load_model(path)
    model = train_detector(*training_examples(load_reference("dev")))
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


def _cache_key(reference_path: Path) -> str:
    import sklearn

    digest = hashlib.sha256(reference_path.read_bytes())
    digest.update(f"{DETECTOR_VERSION}/{sklearn.__version__}/{TRAINING_SEED}".encode())
    return digest.hexdigest()[:16]
