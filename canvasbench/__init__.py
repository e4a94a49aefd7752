"""CanvasBench for scripts: open a store, run a comparison, check an artifact, register a provider.

Every name here is loaded on first use (PEP 562), so `import canvasbench` costs nothing and the CLI's
`--help` still imports no SDK, sqlite-utils or Playwright. The modules behind these names are the stages
of a run's journey (see the README's "How it fits together"); anything not listed here may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> the module that defines it.
_SOURCES = {
    # errors: each says what went wrong and what to do
    "CanvasBenchError": "canvasbench.errors",
    "MissingKeyError": "canvasbench.errors",
    "ProviderError": "canvasbench.errors",
    "StoreError": "canvasbench.errors",
    "UsageError": "canvasbench.errors",
    # the store: one SQLite file, read and written through these functions
    "RunStore": "canvasbench.store.run_store",
    "reads": "canvasbench.store",
    "writes": "canvasbench.store",
    # a comparison: the prompt, the runner and its options
    "RunOptions": "canvasbench.run.runner",
    "Runner": "canvasbench.run.runner",
    "custom_prompt": "canvasbench.run.prompt_suite",
    "load_suite": "canvasbench.run.prompt_suite",
    "Status": "canvasbench.status",
    # what a response holds, and whether its page runs
    "analyse_response": "canvasbench.measure.analysis",
    "CheckLimits": "canvasbench.render.limits",
    "RenderCheck": "canvasbench.render.verdict",
    "check_artifact": "canvasbench.render.check",
    # providers: the one-method contract, the registry and one generation
    "GenerationRequest": "canvasbench.providers.base",
    "GenerationResult": "canvasbench.providers.base",
    "Provider": "canvasbench.providers.base",
    "generate": "canvasbench.providers.generate",
    "register_provider": "canvasbench.providers.registry",
}

__all__ = [
    "CanvasBenchError",
    "CheckLimits",
    "GenerationRequest",
    "GenerationResult",
    "MissingKeyError",
    "Provider",
    "ProviderError",
    "RenderCheck",
    "RunOptions",
    "RunStore",
    "Runner",
    "Status",
    "StoreError",
    "UsageError",
    "analyse_response",
    "check_artifact",
    "custom_prompt",
    "generate",
    "load_suite",
    "reads",
    "register_provider",
    "writes",
]

if TYPE_CHECKING:
    from canvasbench.errors import CanvasBenchError, MissingKeyError, ProviderError, StoreError, UsageError
    from canvasbench.measure.analysis import analyse_response
    from canvasbench.providers.base import GenerationRequest, GenerationResult, Provider
    from canvasbench.providers.generate import generate
    from canvasbench.providers.registry import register_provider
    from canvasbench.render.check import check_artifact
    from canvasbench.render.limits import CheckLimits
    from canvasbench.render.verdict import RenderCheck
    from canvasbench.run.prompt_suite import custom_prompt, load_suite
    from canvasbench.run.runner import Runner, RunOptions
    from canvasbench.status import Status
    from canvasbench.store import reads, writes
    from canvasbench.store.run_store import RunStore


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'canvasbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
