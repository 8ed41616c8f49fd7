"""The simuser pytest plugin: simulated users against the code under test, inside ordinary tests.

Installed with simuser (entry point ``pytest11: simuser``), so a test only asks for the fixture::

    from simuser.testing import assert_success_rate

    def reply(messages):                       # the code under test: chat messages in, reply out
        return "Your order is cancelled."

    def test_cancellation(simulate_users):
        result = simulate_users(reply, intents=["cancel my order 1234"], n=3,
                                simulator="scripted", simulator_options={"turns": ["cancel order 1234"]})
        assert_success_rate(result, at_least=0.8, check=lambda c: "cancelled" in c.messages[-1].content)

``simulate_users(assistant, intents, **run)`` takes the assistant as a function (sync or async), an
:class:`~simuser.assistants.Assistant` object (cached by its ``describe()`` only), a
``"package.module:function"`` target, a backend name (``"openai"``, ``"http"``, ...) with
``assistant_options``, or a spec dict; ``simulator`` likewise (default: simuser's default simulator),
and any other :class:`~simuser.RunConfig` field (``n``, ``max_turns``, ``seed``, ``batch_size``, ...).
It returns the finished :class:`~simuser.engine.loop.RunResult`.

Runs are cached in pytest's cache directory by a hash of the config and of the assistant's source
file (:mod:`simuser.testing.run_cache`): an unchanged case is read back instead of simulated again.
``--simuser-rerun`` ignores the cache; ``cache=False`` does so for one call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from simuser.schema import ComponentSpec
from simuser.testing.run_cache import RunCache, code_fingerprint

CACHE_KEY = pytest.StashKey[RunCache]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simuser", "simulated users (simuser)")
    group.addoption("--simuser-rerun", action="store_true", default=False,
                    help="Simulate every simulate_users case again instead of reading its cached run.")


def run_cache(config: pytest.Config) -> RunCache:
    """The session's cache, made on first use (a project that never simulates gets no directory)."""
    if CACHE_KEY not in config.stash:
        cache = getattr(config, "cache", None)  # None under -p no:cacheprovider: runs are not cached
        root = cache.mkdir("simuser-runs") if cache is not None else None
        config.stash[CACHE_KEY] = RunCache(root, rerun=config.getoption("simuser_rerun"))
    return config.stash[CACHE_KEY]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    cache = config.stash.get(CACHE_KEY, None)
    if cache is not None and (cache.hits or cache.misses):
        terminalreporter.write_line(f"simuser: {cache.misses} runs simulated, {cache.hits} read from the cache")


@pytest.fixture
def simulate_users(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """A function that runs simulated users against an assistant and returns the finished run."""
    store = run_cache(request.config)

    def run(assistant: Any, intents: Sequence[Any], *, simulator: Any = None, simulator_options: dict | None = None,
            assistant_options: dict | None = None, cache: bool = True, **fields: Any):
        return simulate_cached(store, assistant, intents, simulator=simulator, simulator_options=simulator_options,
                               assistant_options=assistant_options, use_cache=cache, **fields)

    return run


def simulate_cached(cache: RunCache, assistant: Any, intents: Sequence[Any], *, simulator: Any = None,
                    simulator_options: dict | None = None, assistant_options: dict | None = None,
                    use_cache: bool = True, **fields: Any):
    """Build the config and the assistant, then run through ``cache`` (the fixture's body, usable alone)."""
    from simuser.engine import RunConfig
    from simuser.models.concurrency import run_sync

    given = assistant if hasattr(assistant, "respond") else None  # an Assistant object: the caller owns it
    function = assistant if given is None and callable(assistant) and not isinstance(assistant, (str, dict, ComponentSpec)) else None
    instance = given or (_wrap_function(function) if function is not None else None)
    spec = instance.describe() if instance is not None else as_spec(assistant, assistant_options)
    if simulator is not None:
        fields["simulator"] = as_spec(simulator, simulator_options)
    config = RunConfig(intents=list(intents), assistant=spec, **fields)
    fingerprint = code_fingerprint(function or _target_function(spec))
    try:
        return cache.run(config, instance, fingerprint, use_cache)
    finally:
        if function is not None and instance is not None:
            run_sync(instance.aclose())


def as_spec(value: Any, options: dict | None = None) -> ComponentSpec:
    """A backend name, a ``module:function`` target (the callable assistant), a dict or a spec."""
    if isinstance(value, ComponentSpec):
        spec = value
    elif isinstance(value, dict):
        spec = ComponentSpec.model_validate(value)
    elif isinstance(value, str) and ":" in value:
        spec = ComponentSpec(name="callable", options={"target": value})
    elif isinstance(value, str):
        spec = ComponentSpec(name=value)
    else:
        raise TypeError(f"expected a backend name, a 'module:function' target, a dict or a ComponentSpec; got {value!r}")
    return spec.model_copy(update={"options": {**spec.options, **(options or {})}}) if options else spec


def _wrap_function(function: Callable[..., Any]):
    from simuser.assistants.python_callable import CallableAssistant

    return CallableAssistant.from_function(function)


def _target_function(spec: ComponentSpec) -> Callable[..., Any] | None:
    if spec.name != "callable" or "target" not in spec.options:
        return None
    from simuser.assistants.python_callable import load_target

    return load_target(spec.options["target"])
