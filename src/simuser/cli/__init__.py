"""The command line: one module per command; each parses flags and calls the library (see app.py)."""
