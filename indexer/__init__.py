"""Indexer: turns a folder of career documents into a versioned on-disk search index."""

__version__ = "0.1.0"  # the package's version (pyproject.toml reads it from here)
