"""Options validated one way: Registry.create checks every backend's options before building it."""

from __future__ import annotations

import pytest

from simuser.assistants import assistants
from simuser.errors import UserError
from simuser.registry import Registry
from simuser.users import simulators


def test_a_declared_options_model_rejects_a_typo_in_one_line_listing_the_valid_ones():
    with pytest.raises(UserError, match=r"unknown transformers assistant option 'temprature'; valid options: model, .*temperature"):
        assistants.create("transformers", temprature=0.3)
    with pytest.raises(UserError, match="unknown prompted simulator option 'modle'"):
        simulators.create("prompted", modle="x")


def test_a_plain_signature_is_checked_by_name_and_type():
    with pytest.raises(UserError, match="unknown echo assistant option 'prefx'; valid options: prefix, fail_on, delay_s"):
        assistants.create("echo", prefx="> ")
    with pytest.raises(UserError, match="invalid echo assistant option 'delay_s'"):
        assistants.create("echo", delay_s="soon")
    assert assistants.create("echo", prefix="> ").describe().options["prefix"] == "> "


def test_plugins_taking_kwargs_get_their_options_unchecked():
    registry: Registry[dict] = Registry("thing", "simuser.test_things")
    registry.register("open")(lambda **options: options)
    registry.register("closed")(lambda size=1: {"size": size})
    assert registry.create("open", anything=1) == {"anything": 1}
    with pytest.raises(UserError, match="unknown closed thing option 'sise'; valid options: size"):
        registry.create("closed", sise=2)


def test_the_runs_concurrency_reaches_every_assistant_whose_options_take_one():
    from simuser.engine import RunConfig
    from simuser.engine.loop import with_concurrency
    from simuser.schema import ComponentSpec

    def options(name: str) -> dict:
        return with_concurrency(RunConfig(intents=["x"], concurrency=7, assistant=ComponentSpec(name=name))).options

    assert [options(n).get("concurrency") for n in ("openai", "http", "callable", "rag")] == [7, 7, 7, 7]
    assert options("echo") == {} and options("transformers") == {}
