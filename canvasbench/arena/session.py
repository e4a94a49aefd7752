"""One viewer's arena session: the pair on screen, the pair prepared behind it, and keys applied in order.

Keys reach Python in bursts (the browser queues them while a script run is busy), so each carries a sequence
number and is applied exactly once, in order, to the pair on screen at that point of the sequence: in
`A N B` the B is a vote on the pair N brought up. The browser replays the same rules (ui/arena_keys.js) to
show the outcome before Python has stored it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from canvasbench.arena.pairing import next_pair, next_unvoted
from canvasbench.arena.votes import record_vote
from canvasbench.errors import CanvasBenchError
from canvasbench.store import RunStore
from canvasbench.store.writes import delete_vote

NEXT = "next"  # a pick meaning: the newest comparison with a pair nobody has voted on yet
# What each key (and the button showing it) does. Keep in step with ui/arena_keys.js.
ACTIONS = {"a": "left", "b": "right", "t": "tie", "x": "both_bad", "u": "undo", "n": "next"}
VOTE_ACTIONS = ("left", "right", "tie", "both_bad")


@dataclass(frozen=True)
class Shown:
    """A pair of runs as shown: `left` is A, `right` is B."""

    comparison_id: str
    left: str
    right: str


@dataclass
class ArenaSession:
    """What one viewer sees: the pair on screen, the next one (chosen ahead), the vote, and keys applied.

    Plain Python on purpose: a script run may be stopped at any Streamlit call, so a vote and the record
    that its key was applied are changed together, with no Streamlit call in between. Changes hold a lock:
    a new key starts a new script run at once, on another thread, while the one it replaces may still be
    applying keys until its next Streamlit call.
    """

    pick: str = NEXT
    category: str | None = None
    current: Shown | None = None
    upcoming: Shown | None = None
    number: int = 0  # pairs shown so far: the pair's slot on the page is number % 2, the next one's the other
    vote: dict[str, str] | None = None  # {"id", "outcome"} of the vote on the pair on screen
    restarts: int = 0  # "restart both previews" presses for the pair on screen
    epoch: str = ""  # the browser page whose key sequence numbers `applied` counts
    applied: int = 0  # sequence number of the last key applied
    error: str | None = None
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def show(self, store: RunStore, pick: str, category: str | None) -> Shown | None:
        """The pair to show for this choice: the same one until the choice changes, with the next one ready."""
        with self.lock:
            return self._show(store, pick, category)

    def _show(self, store: RunStore, pick: str, category: str | None) -> Shown | None:
        if (pick, category) != (self.pick, self.category) or self.current is None:
            self.pick, self.category = pick, category
            self._advance(store, self._choose(store, []))
        elif self.upcoming is None:
            self.upcoming = self._choose(store, [self.current])
        return self.current

    def forget(self) -> None:
        """Drop both pairs (their runs were deleted): the next `show` chooses afresh."""
        with self.lock:
            self.current = self.upcoming = None
            self.vote = None

    def act(self, store: RunStore, action: str, voter: str | None = None) -> None:
        """One vote, undo or next pair. A vote needs an unvoted pair on screen, next a vote: else nothing."""
        with self.lock:
            self._act(store, action, voter)

    def _act(self, store: RunStore, action: str, voter: str | None) -> None:
        self.error = None
        if action in VOTE_ACTIONS:
            if self.current is None or self.vote is not None:
                return
            pair = self.current
            try:
                vote_id = record_vote(store, pair.comparison_id, pair.left, pair.right, action, voter)
            except CanvasBenchError as exc:
                self.error = str(exc)
                return
            self.vote = {"id": vote_id, "outcome": action}
        elif action == "undo" and self.vote is not None:
            delete_vote(store, self.vote["id"])
            self.vote = None
        elif action == "next" and self.vote is not None:
            self._advance(store, self.upcoming or self._choose(store, [self.current] if self.current else []))

    def apply_keys(self, store: RunStore, state: Any, voter: str | None = None) -> None:
        """Apply the browser's queued keys ({"epoch", "keys": [[seq, key], ...]}) not applied yet, in order."""
        if not isinstance(state, dict) or not isinstance(state.get("keys"), list):
            return
        epoch = str(state.get("epoch") or "")
        queued = [k for k in state["keys"] if isinstance(k, list) and len(k) == 2 and isinstance(k[0], int)]
        with self.lock:
            if epoch != self.epoch:  # another page load: its numbers start again
                self.epoch, self.applied = epoch, 0
            for seq, key in sorted(queued, key=lambda k: int(k[0])):
                if seq <= self.applied:
                    continue
                if key in ACTIONS:
                    self._act(store, ACTIONS[key], voter)
                self.applied = seq

    def _advance(self, store: RunStore, pair: Shown | None) -> None:
        self.current, self.vote, self.restarts = pair, None, 0
        if pair is not None:
            self.number += 1
        self.upcoming = self._choose(store, [pair]) if pair else None

    def _choose(self, store: RunStore, shown: list[Shown]) -> Shown | None:
        pairs = [(s.left, s.right) for s in shown]
        comparison_id = self.pick
        if comparison_id == NEXT:
            comparison_id = next_unvoted(store, category=self.category, shown=pairs) or ""
        if not comparison_id:
            return None
        pair = next_pair(store, comparison_id, self.rng, shown=pairs)
        return Shown(pair.comparison_id, pair.left["id"], pair.right["id"]) if pair else None
