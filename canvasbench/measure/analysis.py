"""One call from a raw model response to everything we log about it: artifact, lines, code lines."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from canvasbench.measure.code_lines import count_code_lines, count_lines
from canvasbench.measure.extract import ArtifactKind, extract_artifact

__all__ = ["ResponseAnalysis", "analyse_response"]


@dataclass(frozen=True)
class ResponseAnalysis:
    """The extracted artifact of a response and its line metrics (the `runs` table's columns)."""

    kind: ArtifactKind
    code: str
    truncated: bool
    lines: int  # lines of the artifact
    code_lines: int  # artifact lines with a token that is not whitespace, comment or filler
    chars: int  # characters of the artifact
    response_lines: int  # lines of the whole raw response, reasoning and prose included

    def as_dict(self) -> dict[str, Any]:
        """The metrics without the code (for JSON output and tables)."""
        data = asdict(self)
        del data["code"]
        return data


def analyse_response(raw: str) -> ResponseAnalysis:
    """Extract the artifact from a raw response and measure it."""
    artifact = extract_artifact(raw)
    return ResponseAnalysis(
        kind=artifact.kind,
        code=artifact.code,
        truncated=artifact.truncated,
        lines=count_lines(artifact.code),
        code_lines=count_code_lines(artifact.code, artifact.kind) if artifact.code else 0,
        chars=len(artifact.code),
        response_lines=count_lines(raw),
    )
