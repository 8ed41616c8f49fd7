"""The UserLM paper's published numbers (Naous et al., "Flipping the Dialogue", arXiv 2510.06552).

Only numbers quoted in simuser's issue #3 are listed; metrics without a quoted number show none rather than
a guess. Scales match ours: percent for first-turn diversity, intent decomposition and termination F1;
0-1 for lexical diversity; raw perplexity (PRISM, with intent).
"""

from __future__ import annotations

PAPER_VALUES: dict[str, dict[str, float]] = {
    "first_turn_diversity": {"Human": 94.01, "UserLM-8b": 94.55, "GPT-4o": 74.42},
    "intent_decomposition": {"Human": 1.68, "UserLM-8b": 2.69, "GPT-4o": 7.68},
    "termination_f1": {"UserLM-8b": 63.54, "GPT-4o": 1.38},
    "lexical_diversity": {"UserLM-8b": 0.71, "GPT-4o": 0.40},
    "perplexity": {"UserLM-8b": 7.42, "Llama3-8b-Instruct": 36.29},
}

PAPER_NOTES: dict[str, str] = {
    "perplexity": "PRISM conversations, with intent",
    "lexical_diversity": "the paper's 'unigram difference'",
}
