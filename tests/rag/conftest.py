import pytest

from simuser.assistants.rag import Corpus, Document

FIXTURE_DOCS = {
    "d-sids": "Apparent life-threatening events in infants: apnea, colour change and limpness in babies under one "
              "year. Home monitoring did not reduce sudden infant death.",
    "d-statin": "Statin therapy lowers LDL cholesterol and reduces myocardial infarction in adults with diabetes.",
    "d-knee": "Arthroscopic surgery for knee osteoarthritis gave no lasting pain relief compared with physiotherapy.",
    "d-coffee": "Coffee consumption and the risk of atrial fibrillation: moderate intake was not associated with "
                "arrhythmia in a cohort of older women.",
    "d-mito": "Mitochondria dynamics during programmed cell death in lace plant leaves: perforations form in areoles.",
    "d-mri": "Magnetic resonance imaging versus computed tomography for detecting early ischemic stroke lesions.",
}
FIXTURE_QUESTIONS = {
    "d-sids": "Does home monitoring prevent sudden death in infants after a life-threatening event?",
    "d-statin": "Do statins reduce heart attacks in diabetic adults?",
    "d-knee": "Is arthroscopic knee surgery better than physiotherapy for osteoarthritis?",
    "d-coffee": "Is coffee associated with atrial fibrillation in women?",
    "d-mito": "Do mitochondria play a role in programmed cell death in lace plant leaves?",
    "d-mri": "Is MRI better than CT for early stroke?",
}


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Indexes go to a per-test cache, never the user's."""
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def fixture_corpus() -> Corpus:
    return Corpus([Document(doc_id, text) for doc_id, text in FIXTURE_DOCS.items()], name="fixture")


@pytest.fixture
def fixture_questions() -> dict[str, str]:
    """Gold document id -> a well-formed question about it."""
    return dict(FIXTURE_QUESTIONS)
