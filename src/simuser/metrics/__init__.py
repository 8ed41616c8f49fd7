"""Realism metrics (placeholder while the package is being written)."""
