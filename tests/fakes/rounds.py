"""'Answers badly, then fixes on round k': the bad pages and the `rounds=` grammar that picks one per round.

`rounds=throws,blank,cut,good` answers round 0 with a page that throws, round 1 with a page that never
draws, round 2 with a page cut off at the output limit and round 3 (and every later round) with the good
page. The round is the number of model turns in the conversation the fake received, so the fake needs no
state: the same conversation always gets the same answer.
"""

from __future__ import annotations

# A canvas page whose script dies on load with an uncaught ReferenceError (line 16 of the page).
THROWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fake page that throws</title>
<style>
  html, body { margin: 0; height: 100%; background: #101820; }
  canvas { display: block; width: 100%; height: 100%; }
</style>
</head>
<body>
<canvas id="scene" width="640" height="400"></canvas>
<script>
  const canvas = document.getElementById("scene");
  const ctx = canvas.getContext("2d");
  drawScene(ctx);
</script>
</body>
</html>
"""

# A canvas page that runs without an error and never draws anything.
BLANK_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fake page that never draws</title>
<style>
  html, body { margin: 0; height: 100%; background: #101820; }
  canvas { display: block; width: 100%; height: 100%; }
</style>
</head>
<body>
<canvas id="scene" width="640" height="400"></canvas>
<script>
  const canvas = document.getElementById("scene");
  const ctx = canvas.getContext("2d");
  const particles = [];
  function step() { for (const p of particles) { p.x += p.vx; } requestAnimationFrame(step); }
  requestAnimationFrame(step);
</script>
</body>
</html>
"""

# throws / blank: those pages; cut: the good answer cut in half with the provider's "length" finish;
# fail: the provider fails mid-stream (an in-stream error after half the chunks; the partial text is kept);
# good: the behaviour's own answer.
ROUND_KINDS = ("throws", "blank", "cut", "fail", "good")


def parse_rounds(spec: str) -> tuple[str, ...]:
    """The kinds of `rounds=a,b,c` in order; ValueError naming the bad one."""
    kinds = tuple(kind.strip() for kind in spec.split(","))
    for kind in kinds:
        if kind not in ROUND_KINDS:
            raise ValueError(f"unknown round {kind!r} in rounds={spec!r}; use {', '.join(ROUND_KINDS)}")
    return kinds


def round_kind(spec: str, round_number: int) -> str:
    """What round `round_number` answers: its entry, or the last entry for every later round."""
    kinds = parse_rounds(spec)
    return kinds[min(round_number, len(kinds) - 1)]
