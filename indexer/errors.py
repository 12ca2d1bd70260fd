"""Every error the engine reports to a user or an admin, each with a message that says what to do."""

from __future__ import annotations


class ReadError(Exception):
    """A file that cannot be read as a career document; the message is the reason shown to the admin."""


class CorpusError(Exception):
    """The corpus as a whole cannot be indexed (missing, not a folder, nothing readable)."""


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says which setting to fix."""


class CacheError(Exception):
    """The embedding cache cannot be used; a build goes on without it."""


class StoreUnavailable(Exception):
    """A store's server cannot be reached or refused the request (a network store); the message says which, in one
    line. Searches answer 503 with it; it passes when the server is back."""


class BuildError(Exception):
    """A build that cannot go ahead or finish; the live index is untouched. The message says why."""


class IndexUnavailable(Exception):
    """No usable index: missing, corrupt or made by another model or format. The message says what to do.
    `transient`: its store's server cannot be reached now; the same build is tried again."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
