"""Helpers for testing simuser and its plugins offline, and for testing assistants with simulated users.

- tiny random-weight models (:mod:`simuser.testing.tiny_models`) and a fake OpenAI-compatible server
  (:mod:`simuser.testing.fake_openai`), for tests that must not touch the network;
- the pytest plugin (:mod:`simuser.testing.pytest_plugin`, fixture ``simulate_users``) and assertions on
  runs: :func:`assert_success_rate`, :func:`success_rate`.
"""

from simuser.testing.assertions import assert_success_rate, success_rate, transcript_lines

__all__ = ["assert_success_rate", "success_rate", "transcript_lines"]
