"""Indexer: turns a folder of career documents into a versioned on-disk search index."""
