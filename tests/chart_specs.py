"""Reading the charts a page drew under AppTest: their specs, data and the colour each model was given."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest


def charts_of(at: AppTest) -> list[tuple[str, dict[str, Any], pd.DataFrame | None]]:
    """Every chart on the page as (kind, spec, data): kind is "vega" or "plotly"."""
    out: list[tuple[str, dict[str, Any], pd.DataFrame | None]] = []
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        data = None
        if proto.data.data:
            data = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.data.data)
        for dataset in proto.datasets:
            data = dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data)
        out.append(("vega", json.loads(proto.spec), data))
    for element in at.get("plotly_chart"):
        out.append(("plotly", json.loads(element.proto.spec), None))
    return out


def _vega_colours(spec: dict[str, Any], data: pd.DataFrame | None) -> list[tuple[str, str]]:
    pairs = []
    for layer in [spec, *spec.get("layer", [])]:
        colour = layer.get("encoding", {}).get("color", {})
        scale = colour.get("scale", {}) if isinstance(colour, dict) else {}
        if colour.get("field") == "model" and "range" in scale:
            mapping = dict(zip(scale["domain"], scale["range"], strict=True))
            drawn = set(data["model"]) if data is not None and "model" in data else set(mapping)
            pairs += [(m, c) for m, c in mapping.items() if m in drawn]
    return pairs


def _plotly_colours(spec: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for trace in spec.get("data", []):
        colour = (trace.get("marker") or {}).get("color") or (trace.get("line") or {}).get("color")
        if isinstance(colour, str) and trace.get("name"):
            pairs.append((trace["name"], colour))
        elif isinstance(colour, list) and trace.get("x"):
            pairs += list(zip(trace["x"], colour, strict=False))
    return pairs


def model_colours(chart: tuple[str, dict[str, Any], pd.DataFrame | None]) -> list[tuple[str, str]]:
    """(model, colour) for each model a chart draws in a colour of its own."""
    kind, spec, data = chart
    return _vega_colours(spec, data) if kind == "vega" else _plotly_colours(spec)
