"""Named OpenAI-compatible endpoints: built-in defaults plus the user's endpoints.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from canvasbench.errors import UsageError
from canvasbench.paths import endpoints_path
from canvasbench.providers.builtins import NAMES
from canvasbench.user_files import read_tables

RESERVED = (*NAMES, "demo")  # an endpoint may not take a built-in provider's name, nor the demo's stand-ins'
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALLOWED_KEYS = {"base_url", "key_env", "key_optional", "max_output_tokens"}


class EndpointConfigError(UsageError):
    """The endpoints file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible server: where it is and which variable holds its key."""

    name: str
    base_url: str
    key_env: str | None = None
    needs_key: bool = True
    max_output_tokens: int | None = None  # None: send no limit (the server's own maximum)

    @property
    def key_env_vars(self) -> tuple[str, ...]:
        """The key variable as a tuple (empty when the endpoint takes no key)."""
        return (self.key_env,) if self.key_env else ()


BUILTIN_ENDPOINTS: dict[str, Endpoint] = {
    "openrouter": Endpoint("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", True),
    "ollama": Endpoint("ollama", "http://localhost:11434/v1", None, False),
    "vllm": Endpoint("vllm", "http://localhost:8000/v1", "VLLM_API_KEY", False),
}


def load_endpoints(path: Path | None = None) -> dict[str, Endpoint]:
    """Built-in endpoints overlaid with `[endpoints.NAME]` tables from the endpoints file (if it exists)."""
    path = path or endpoints_path()
    result = dict(BUILTIN_ENDPOINTS)
    if not path.exists():
        return result
    tables = read_tables(
        path, what="Endpoints file", key="endpoints", example="[endpoints.NAME]", error=EndpointConfigError
    )
    for name, table in tables.items():
        result[name] = _parse_entry(path, name, table)
    return result


def _parse_entry(path: Path, name: str, table: object) -> Endpoint:
    where = f"Endpoints file {path}, entry [endpoints.{name}]"
    if not _NAME.match(name):
        raise EndpointConfigError(f"{where}: the name must be lower-case letters, digits, '-' or '_'.")
    if name in RESERVED:
        raise EndpointConfigError(f"{where}: '{name}' is a built-in provider; choose another name.")
    if not isinstance(table, dict):
        raise EndpointConfigError(f"{where}: must be a table with base_url = \"http://...\".")
    unknown = set(table) - _ALLOWED_KEYS
    if unknown:
        raise EndpointConfigError(f"{where}: unknown settings {sorted(unknown)}; allowed: {sorted(_ALLOWED_KEYS)}.")
    base_url = table.get("base_url")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise EndpointConfigError(f"{where}: base_url must be a URL starting with http:// or https://.")
    key_env = table.get("key_env")
    if key_env is not None and (not isinstance(key_env, str) or not _ENV.match(key_env)):
        raise EndpointConfigError(f"{where}: key_env must be the NAME of an environment variable, not a key.")
    key_optional = table.get("key_optional", False)
    if not isinstance(key_optional, bool):
        raise EndpointConfigError(f"{where}: key_optional must be true or false.")
    max_out = table.get("max_output_tokens")
    if max_out is not None and (not isinstance(max_out, int) or isinstance(max_out, bool) or max_out <= 0):
        raise EndpointConfigError(f"{where}: max_output_tokens must be a positive whole number.")
    return Endpoint(name, base_url.rstrip("/"), key_env, bool(key_env) and not key_optional, max_out)
