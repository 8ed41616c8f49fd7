"""Helpers for testing simuser and its plugins offline: tiny random-weight models and fake servers."""
