"""User-facing errors: each says what went wrong and what to do about it."""

from __future__ import annotations


class CanvasBenchError(Exception):
    """Base of every error we show to a user; the message is the whole story."""


class UsageError(CanvasBenchError):
    """Bad input from the user: a missing prompt, a malformed model id, an unknown prompt id."""


class StoreError(CanvasBenchError):
    """The database cannot be opened or used; says why (read-only, full, damaged, newer, ...)."""

    read_only: bool = False  # a write was refused because the file is read-only
    transient: bool = False  # another process holds a lock: worth retrying


class SourceError(CanvasBenchError):
    """A file or folder given to read (an import source) is missing or not what it should be."""


class PriceFileError(CanvasBenchError):
    """A price file is malformed; the message names the file and the entry."""


class MissingKeyError(CanvasBenchError):
    """A provider needs an API key that is not set."""

    def __init__(self, provider: str, env_vars: tuple[str, ...]) -> None:
        names = " or ".join(env_vars)
        super().__init__(
            f"No API key for provider '{provider}': set {names} in the environment "
            f"(or in .streamlit/secrets.toml for the dashboard)."
        )
        self.provider = provider
        self.env_vars = env_vars


class ProviderError(CanvasBenchError):
    """A provider refused or broke a request; carries where it happened and the HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        model: str,
        status: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        where = f"{provider}:{model}" + (f" (HTTP {status})" if status else "")
        super().__init__(f"{where}: {message}")
        self.provider = provider
        self.model = model
        self.status = status
        self.retryable = retryable
        self.retry_after_s = retry_after_s
