"""Assistants under test: the protocol, and the registry of backends by name.

Built-ins: ``openai`` (any OpenAI-compatible chat endpoint), ``callable`` (a Python function given as
``package.module:function``, sync or async), ``http`` (any JSON HTTP API, through a body template and a
response path), ``transformers`` (a local chat model; the embedded SmolLM2 by default) and ``echo`` (a
fake for tests). Third parties register more under the
``simuser.assistants`` entry point.
"""

from simuser.assistants.base import Assistant, AssistantReply, AssistantRequest, gather_limited
from simuser.registry import Registry

assistants: Registry[Assistant] = Registry(
    "assistant",
    "simuser.assistants",
    {
        "openai": "simuser.assistants.openai_chat:OpenAIChatAssistant",
        "callable": "simuser.assistants.python_callable:CallableAssistant",
        "transformers": "simuser.assistants.local:TransformersAssistant",
        "echo": "simuser.assistants.echo:EchoAssistant",
        "rag": "simuser.assistants.rag:RagAssistant",
        "http": "simuser.assistants.http_json:HttpAssistant",
    },
)

__all__ = ["Assistant", "AssistantReply", "AssistantRequest", "assistants", "gather_limited"]
