"""How long and how much one render check may take, and the longer allowance of a second look."""

from __future__ import annotations

from dataclasses import dataclass, replace

RECHECK_FACTOR = 6.0  # a page that looked hung is checked again alone with this much more allowance


@dataclass(frozen=True)
class CheckLimits:
    """How long and how much one check may take.

    "Not responding" is judged from the page's own progress: its main thread finishing tasks (a heartbeat
    it sends) against the CPU time that thread spends meanwhile. A page whose frames take seconds because
    it waits on software GL uses almost no CPU of its own while it waits and is slow, not hung, however
    busy the machine; an endless loop spends `stuck_cpu_s` of CPU without finishing a task, which takes
    longer on a busy machine but never happens to a page that keeps finishing tasks.
    """

    load_timeout_s: float = 10.0  # until the load event; a page still busy then is looked at as it is
    sample_s: float = 2.0  # at most this long the page is watched after load before the player's input
    # A page still animating after the player's input runs on until it has drawn `run_frames` animation frames
    # (3.3 s at 60 Hz) or `run_s` passed since load: what it does a few seconds in (an error, an endless loop
    # on its first collision) is seen on a busy machine too, which draws its frames slower.
    run_frames: int = 200
    run_s: float = 8.0
    stuck_cpu_s: float = 3.0  # CPU seconds its main thread may compute without finishing a task
    silent_s: float = 60.0  # finishing no task this long is "not responding" even while it only waits
    step_timeout_s: float = 5.0  # where CPU time cannot be read (no /proc): no task this long is "not responding"
    max_popups: int = 20  # more window.open attempts than this is a popup flood
    width: int = 1280
    height: int = 800
    interact: bool = True  # act like a player after watching (clicks, keys, pointer)

    def longer(self) -> CheckLimits:
        """The allowance of a second look at a page that seemed hung."""
        return replace(
            self,
            load_timeout_s=self.load_timeout_s * 2,
            stuck_cpu_s=self.stuck_cpu_s * RECHECK_FACTOR,
            silent_s=self.silent_s * 2,
            step_timeout_s=self.step_timeout_s * RECHECK_FACTOR,
        )


def allowance(limits: CheckLimits) -> str:
    return f"a {limits.stuck_cpu_s:g} s CPU allowance"
