"""Offline training of the career model: pairs in the engine's own text forms (never imported at run time)."""
