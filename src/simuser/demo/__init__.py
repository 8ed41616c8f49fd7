"""The built-in demo: a medical RAG assistant over PubMedQA, tested with simulated users.

``simuser demo`` (CLI) and :func:`run_demo` (Python) answer one question: does retrieval (and the answer)
hold up when users are vague, avoid the technical terms, and reveal their need across turns? Pieces:
:mod:`.intents` (one goal per PubMedQA item, by rule), :mod:`.conditions` (original question / prompted
simulator / UserLM-format simulator), :mod:`.retrieval` (gold-document rank per user turn),
:mod:`.stance` (yes/no/maybe from a reply), :mod:`.gap` (the reality-gap table), :mod:`.run` (orchestration),
:mod:`.summary` (outputs).
"""

from simuser.demo.run import DemoConfig, DemoResult, run_demo

__all__ = ["DemoConfig", "DemoResult", "run_demo"]
