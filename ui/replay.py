"""The comparison's Replay view: the race played back in the browser by one self-contained player."""

from __future__ import annotations

from typing import Any

import streamlit as st

from canvasbench.present.replay import contestants, player_height, replay_frame
from ui.frame import preview_network


def comparison_replay(runs: list[dict[str, Any]]) -> None:
    """Every run's stream replayed side by side (the player runs in its own sandboxed frame, not in reruns)."""
    if not any(run.get("response") for run in runs):
        st.info("No model sent any text: there is nothing to replay.")
        return
    height = player_height(len(contestants(runs)))
    st.iframe(replay_frame(runs, preview_network(), height=height), height=height + 8)
