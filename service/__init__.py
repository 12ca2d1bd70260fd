"""Search service: a FastAPI app answering questions over the indexer's current build."""
