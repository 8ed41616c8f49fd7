"""simuser inside the frameworks people already run: Inspect (a solver that plays the user) and DeepEval
(conversational test cases out and in). Each module imports its framework lazily: ``pip install
'simuser[inspect]'`` or ``'simuser[deepeval]'``. See docs/agents.md.
"""
