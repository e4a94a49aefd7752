"""A render check's result from what was seen: verdict and evidence, facts, the three moments, the thumbnail."""

from __future__ import annotations

from pathlib import Path

from canvasbench.render.limits import CheckLimits
from canvasbench.render.observed import Look, Observed, local_files_in
from canvasbench.render.verdict import (
    CONTEXT_LABELS,
    Observation,
    RenderCheck,
    changed,
    decide,
    describe_drawing,
    pixel_report,
)
from canvasbench.sandbox.mirror import Mirror

# When a page stopped responding, by the last part of the check it finished (watch.py's laps).
_MOMENT_AFTER = {
    "": "while loading",
    "load": "just after loading",
    "first look": "while watching",
    "watch": "while being played",
    "play": "after being played",
    "last look": "as it ran on after being played",
}


def most_informative(looks: list[Look]) -> bytes | None:
    """The moment a thumbnail shows: the latest one with something drawn, else the latest one."""
    for look in reversed(looks):
        if look.drawn:
            return look.shot
    return looks[-1].shot if looks else None


def conclude(
    seen: Observed,
    looks: list[Look],
    frozen: Look | None,
    actions: list[str],
    trigger: str,
    loaded: bool,
    hung: bool,
    started: float,
    mirror: Mirror,
    limits: CheckLimits,
    *,
    memory_kills: list[float],
    memory_mb: int,
) -> RenderCheck:
    """The check's result from everything seen: the verdict and its evidence, facts, moments, thumbnail."""
    limit_hit: str | None = None
    limit_note = ""
    if seen.crashed:
        limit_hit = "memory"
        if any(t >= started for t in memory_kills):
            limit_note = f"stopped after the page used over {memory_mb} MB of memory"
        else:
            limit_note = (
                f"the page's renderer crashed (out of memory at the {memory_mb} MB heap limit, "
                "or a browser fault)"
            )
    elif hung:
        limit_hit = "time"
        done = [phase for phase in seen.phases if phase != "stopped"]
        moment = _MOMENT_AFTER.get(done[-1] if done else "", "while being checked")
        limit_note = f"the page stopped responding {moment}: {seen.hang or 'its main thread finished no task'}"
        if "computed" in seen.hang:
            limit_note += " (an endless loop?)"
    elif seen.popups > limits.max_popups:
        limit_hit = "popups"
        limit_note = f"popup flood: {seen.popups} window.open calls refused"

    probe = looks[-1].probe if looks else {}
    drawn = any(look.drawn for look in looks)
    # It stopped responding before a look showed a drawing, but the page said it drew (a shape, text, an
    # image or a WebGL draw call, not only a background): a drawing the hang kept off the screen is
    # still a drawing (the screenshot after its scripts were stopped shows it where Chromium paints it).
    drew_then_hung = not drawn and bool(seen.drew) and hung
    drawn = drawn or drew_then_hung
    last = looks[-1] if looks else frozen
    box = probe.get("main_canvas")
    if box and not box.get("context"):
        blank_reason = f"the {box['w']}×{box['h']} canvas never had a drawing context"
    elif box and box.get("never_drawn_on"):
        kind = CONTEXT_LABELS.get(box["context"], box["context"])
        blank_reason = (
            f"the {box['w']}×{box['h']} canvas got a {kind} context but nothing was ever drawn on it "
            "(its CSS border and background are not a drawing)"
        )
    elif box:
        blank_reason = f"the {box['w']}×{box['h']} canvas stayed one colour through load, watching and input"
    elif last is not None:
        blank_reason = f"the page stayed a single colour rgb{pixel_report(last.shot).background}"
    else:
        blank_reason = "no screenshot could be taken"

    animates: bool | None = None
    responds: bool | None = None
    input_note = ""
    if len(looks) >= 2:
        animates = looks[1].animates if looks[1].animates is not None else changed(looks[0].shot, looks[1].shot)
    if len(looks) >= 3:
        after = changed(looks[1].shot, looks[2].shot)
        listens = int(probe.get("input_listeners") or 0) > 0
        responds = after and (not animates or listens)
        frames_watch = int(looks[1].probe.get("frames") or 0) - int(looks[0].probe.get("frames") or 0)
        frames_after = int(looks[2].probe.get("frames") or 0) - int(looks[1].probe.get("frames") or 0)
        came_alive = (looks[2].drawn and not looks[0].drawn and not looks[1].drawn) or (
            responds and not animates and frames_watch == 0 and frames_after > 0
        )
        if came_alive and actions:
            input_note = f"it came alive only after input ({trigger or 'the player’s input'})"
    # From the first look to the last moment seen: the last look, or the end of running on after it.
    last_frames, last_at = seen.ran_on or (int(probe.get("frames") or 0), looks[-1].at if looks else 0.0)
    frames = max(0, last_frames - int(looks[0].probe.get("frames") or 0)) if looks else 0
    watched = round(last_at - looks[0].at, 1) if len(looks) >= 2 else 0.0

    missing = tuple(dict.fromkeys([*seen.missing_files, *local_files_in(seen.errors)]))
    own = int(probe.get("own_scripts") or 0)
    local_scripts = {Path(s).name for s in probe.get("local_scripts") or []}
    startup_failures = seen.startup_failures + sum(1 for m in missing if Path(m).name in local_scripts)
    never_ran = own > 0 and startup_failures >= own

    blocked = tuple(seen.blocked)
    details = {k: v for k, v in probe.items() if k not in ("frames", "first_paint_ms", "load_ms")}
    details["sample_s"] = limits.sample_s
    details["sandbox_blocks"] = seen.sandbox_blocks
    details["moments_drawn"] = [look.drawn for look in looks]
    details["phase_s"] = dict(seen.phases)
    if seen.drew:
        details["first_drawing_call"] = seen.drew
    if hung:
        details["hang"] = seen.hang
    notes = [*seen.substitutions]
    verdict, evidence = decide(
        Observation(
            loaded=loaded,
            drawn=drawn,
            js_errors=seen.js_errors,
            errors=tuple(seen.errors),
            blocked=blocked,
            limit_hit=limit_hit,
            crashed=seen.crashed,
            popups=seen.popups,
            drawing=(
                f"on its canvas (first drawing call: {seen.drew}) before it stopped responding"
                if drew_then_hung and not looks
                else describe_drawing(probe, frames, watched)
            ),
            blank_reason=blank_reason,
            limit_note=limit_note,
            program_never_ran=never_ran,
            missing_files=missing,
            navigations=tuple(seen.navigations),
            webrtc_attempts=int(probe.get("webrtc_attempts") or 0),
            input_note=input_note,
            notes=tuple(notes),
        )
    )
    if blocked and mirror.empty:
        evidence += " The offline library mirror is not built: run 'canvasbench mirror build'."
    shots: list[bytes | None] = [look.shot for look in looks] + [None] * (3 - len(looks))
    if frozen is not None and len(looks) < 3:
        shots[len(looks)] = frozen.shot  # the moment it stopped responding, as it was then
    best = most_informative(looks)
    if frozen is not None and not any(look.drawn for look in looks) and (frozen.drawn or not looks):
        best = frozen.shot
    return RenderCheck(
        verdict=verdict,
        evidence=evidence,
        loaded=loaded,
        js_errors=seen.js_errors,
        errors=tuple(seen.errors),
        failed_requests=tuple(seen.failed),
        blocked_requests=blocked,
        drawn=drawn,
        frames=frames,
        first_paint_ms=probe.get("first_paint_ms"),
        render_ms=probe.get("load_ms"),
        limit_hit=limit_hit,
        screenshot=best,
        width=limits.width if best else 0,
        height=limits.height if best else 0,
        popups=seen.popups,
        mirrored=tuple(seen.mirrored),
        details=details,
        animates=animates,
        responds_to_input=responds,
        interaction=tuple(actions),
        moments=(shots[0], shots[1], shots[2]),
        served=tuple(seen.served),
        substitutions=tuple(seen.substitutions),
        navigations=tuple(seen.navigations),
        missing_files=missing,
    )
