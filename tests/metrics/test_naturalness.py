"""Naturalness: the metric over any detector, the offline classifier, and the Pangram client."""

import json
import statistics
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from repo_scripts import load_script
from shared_data import shared_data

from simuser.errors import UserError
from simuser.metrics.base import MetricContext, NotComputed
from simuser.metrics.naturalness import Naturalness
from simuser.metrics.naturalness_detectors import detectors
from simuser.metrics.offline_detector import (
    OfflineDetector,
    cached_reference_model,
    held_out_accuracy,
    mask_content_words,
    shipped_training_texts,
    train_detector,
    training_examples,
)
from simuser.metrics.pangram import PangramDetector, p_human_from


class ShortIsHuman:
    """P(human) = 1 for texts of at most three words, else 0."""

    name = "short-is-human"

    def p_human(self, texts):
        return [1.0 if len(t.split()) <= 3 else 0.0 for t in texts]


def test_naturalness_averages_over_first_turns_only(convo):
    conversations = [convo("i", "hi there", "reply", "a much longer second turn here"),
                     convo("i", "this first turn is long", "reply"),
                     convo("i", "short one", "reply")]
    result = Naturalness().compute(conversations, MetricContext(detector=ShortIsHuman()))
    assert result.value == pytest.approx(100 * 2 / 3)
    assert result.details == {"detector": "short-is-human", "n_first_turns": 3}


def test_naturalness_without_a_detector_is_not_computed(convo):
    assert isinstance(Naturalness().compute([convo("i", "hi")], MetricContext()), NotComputed)


def test_training_examples_cut_assistant_turns_to_user_lengths(convo):
    conversations = [convo("i", "two words", "one two three four five six seven eight nine ten", "three words here",
                           "alpha beta gamma delta epsilon zeta eta theta")]
    conversations[0].messages[2].metadata["author_type"] = "model"  # a model-written user turn is left out
    texts, labels = training_examples(conversations)
    assert labels == [1, 0, 0]
    assert texts[0] == "two words"
    assert all(len(t.split()) == 2 for t in texts[1:])  # the only human length is 2 words


def test_a_detector_trained_on_toy_data_separates_its_classes():
    human = ["hey can u help", "whats the weather lol", "ok thanks", "no i meant the other one", "hmm why tho"] * 3
    robot = ["Certainly! Here is a detailed overview.", "I would be happy to assist you with that request.",
             "Here are some key considerations to keep in mind.", "In summary, the answer depends on context.",
             "Certainly, here is an explanation of the topic."] * 3
    model = train_detector(human + robot, [1] * len(human) + [0] * len(robot))
    detector = OfflineDetector()
    detector._model = model
    scores = detector.p_human(["whats up lol", "Certainly! Here is an overview of the key considerations."])
    assert scores[0] > 0.5 > scores[1]


def test_reference_detector_is_cached_and_accurate_on_the_test_split(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(tmp_path))
    model = cached_reference_model()  # trains on the dev split (a few seconds)
    assert len(list((tmp_path / "detectors").glob("offline-*.pkl"))) == 1
    accuracy = held_out_accuracy(model)
    assert accuracy["accuracy_length_matched"] > 0.85 and accuracy["accuracy_whole_turns"] > 0.85
    reloaded = OfflineDetector()
    assert reloaded.p_human(["how do i renew my passport"]) == pytest.approx(
        [float(model.predict_proba(["how do i renew my passport"])[0, 1])])


def test_masking_keeps_how_people_write_and_hides_what_they_write_about():
    assert mask_content_words("I need a train to Cambridge on Tuesday, pls!") == "I need a x to Xx on Xx, pls!"
    assert mask_content_words("can u book the NHS 111 line\u2019s slot?") == "can u x the XX 0 x x?"
    assert mask_content_words("") == ""


def test_the_detector_cannot_tell_topics_apart():
    human = ["can u find me a x", "whats the x lol", "ok thanks", "no i meant the other one", "hmm why tho"] * 3
    robot = ["Certainly! Here is a detailed overview.", "I would be happy to assist you with that request.",
             "Here are some key considerations to keep in mind.", "In summary, the answer depends on context.",
             "Certainly, here is an explanation of the topic."] * 3
    detector = OfflineDetector()
    detector._model = train_detector(human + robot, [1] * len(human) + [0] * len(robot))
    trains, software = detector.p_human(["can u find me a train to york", "can u find me a library to plot"])
    assert trains == pytest.approx(software)  # same shape, same function words: same score


def test_shipped_training_texts_cover_every_source_with_length_matched_machine_text():
    texts, labels, sources = shipped_training_texts()
    human = {s for s, label in zip(sources, labels, strict=True) if label == 1}
    machine = {s for s, label in zip(sources, labels, strict=True) if label == 0}
    assert human == {"mtrag", "star", "multiwoz", "hh_rlhf"} and machine == {"mtrag", "hh_rlhf", "prompted"}
    words = {label: statistics.median(len(t.split()) for t, lab in zip(texts, labels, strict=True) if lab == label) for label in (0, 1)}
    assert abs(words[0] - words[1]) <= 2  # cut to human lengths: length tells nothing


def _detector_script():
    return load_script("build_detector_data")


STAR = shared_data("star")
SHARED = None if STAR is None else STAR.parent


@pytest.mark.skipif(SHARED is None, reason="the public dialogue sets (../shared/data) are not on this machine")
def test_held_out_people_of_every_domain_score_within_10_points_of_the_reference(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(tmp_path))
    report = _detector_script().evaluate(SHARED)
    reference = report["reference (mtrag test)"]["first_turns_p_human"]
    for source in ("star", "multiwoz", "hh_rlhf", "camrest"):
        assert abs(report[source]["first_turns_p_human"] - reference) <= 10, (source, report[source], reference)
    assert report["mtrag agent (test)"]["accuracy_length_matched"] > 90


def test_detector_registry_names_the_builtins():
    assert {"offline", "pangram"} <= set(detectors.names())


# --- Pangram, against a fake server on 127.0.0.1 ---------------------------------------------------------


class FakePangram(BaseHTTPRequestHandler):
    statuses: list[int] = []
    seen: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakePangram.seen.append({"key": self.headers.get("x-api-key"), "body": body, "path": self.path})
        status = FakePangram.statuses.pop(0) if FakePangram.statuses else 200
        payload = {"fraction_human": 0.25 if "robot" in body["text"] else 0.75, "fraction_ai": 0.0}
        data = json.dumps(payload if status == 200 else {"error": "nope"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def pangram_server(monkeypatch):
    FakePangram.statuses, FakePangram.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePangram)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PANGRAM_API_BASE", f"http://127.0.0.1:{server.server_port}/v3")
    monkeypatch.setenv("PANGRAM_API_KEY", "test-key")
    yield FakePangram
    server.shutdown()
    server.server_close()


def test_pangram_sends_the_key_and_reads_fraction_human(pangram_server):
    assert PangramDetector().p_human(["hello there", "robot text"]) == [0.75, 0.25]
    assert [s["key"] for s in pangram_server.seen] == ["test-key", "test-key"]
    assert pangram_server.seen[0]["body"] == {"text": "hello there"} and pangram_server.seen[0]["path"] == "/v3"


def test_pangram_retries_a_busy_server(pangram_server):
    pangram_server.statuses = [503]
    assert PangramDetector().p_human(["hello"]) == [0.75]
    assert len(pangram_server.seen) == 2


def test_pangram_rejected_key_is_one_clear_error(pangram_server):
    pangram_server.statuses = [401]
    with pytest.raises(UserError, match="PANGRAM_API_KEY"):
        PangramDetector().p_human(["hello"])


def test_pangram_without_a_key_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("PANGRAM_API_KEY", raising=False)
    with pytest.raises(UserError, match="export PANGRAM_API_KEY"):
        PangramDetector().p_human(["hello"])


def test_pangram_answer_shapes():
    assert p_human_from({"fraction_human": 0.4}) == 0.4
    assert p_human_from({"ai_likelihood": 0.9}) == pytest.approx(0.1)
    with pytest.raises(UserError, match="fraction_human"):
        p_human_from({"label": "AI"})
