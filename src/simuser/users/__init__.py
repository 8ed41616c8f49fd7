"""User simulators: the protocol, and the registry of backends by name.

Built-ins: ``userlm`` (a UserLM-format model through transformers), ``prompted`` (any chat model told to
act as a user: the baseline most tools use), ``replay`` (logged user turns) and ``scripted`` (fixed
turns, for tests and demos). Third parties register more under the ``simuser.users`` entry point.
"""

from simuser.registry import Registry
from simuser.users.base import ConversationState, TurnKind, UserSimulator, UserTurn

simulators: Registry[UserSimulator] = Registry(
    "simulator",
    "simuser.users",
    {
        "userlm": "simuser.users.userlm:UserLMSimulator",
        "prompted": "simuser.users.prompted:PromptedSimulator",
        "replay": "simuser.users.replay:ReplaySimulator",
        "scripted": "simuser.users.replay:ScriptedSimulator",
        "original": "simuser.users.question:QuestionSimulator",
        "userlm-completions": "simuser.users.userlm_completions:UserLMCompletionsSimulator",
        "userlm-llamacpp": "simuser.users.userlm_llamacpp:UserLMLlamaCppSimulator",
        "userlm-vllm": "simuser.users.userlm_vllm:UserLMVLLMSimulator",
    },
)

__all__ = ["ConversationState", "TurnKind", "UserSimulator", "UserTurn", "simulators"]
