"""Agents with tools: Python tools the agent under test calls, the state they change, and the tool loop.

- :class:`ToolSet` loads tools from ``package.module:function`` references (schema from the signature and
  docstring, or given explicitly) and runs a call against the conversation's state;
- :func:`run_tool_loop` asks a model, runs the tools it calls, and asks again, up to a bound;
- :mod:`simuser.tasks.checks.tools` holds the task checks ``tool_called`` and ``tool_state``.

The simulated user never sees any of this: simulators get the user's view of the history
(:func:`simuser.schema.user_visible`). See docs/agents.md.
"""

from simuser.tools.definition import Tool, ToolArgumentError, tool_from_function
from simuser.tools.loop import ToolLoopResult, run_tool_loop
from simuser.tools.toolset import ToolSet, initial_state, load_tool

__all__ = ["Tool", "ToolArgumentError", "ToolLoopResult", "ToolSet", "initial_state", "load_tool", "run_tool_loop",
           "tool_from_function"]
