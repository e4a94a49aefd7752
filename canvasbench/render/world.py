"""The check's view into the artifact's frame through DevTools, where the page cannot see it looked.

A page can replace any function in its own world and notice the check calling it (then draw only while it is
watched). So the check reads the init script's counts by calling the state object it handed over (its code uses
only functions it took before the page ran), runs its DOM scripts in an isolated world of the frame (the same DOM,
the browser's own functions), and puts its styles in an inspector stylesheet the page cannot see.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from canvasbench.render.page_scripts import CANVAS_ONLY_CSS, CARET_CSS, HANDOFF, PROBE_JS, READY_JS

_WORLD = "canvasbench-check"
_REPORT = "function () { return this.report(); }"
_FRAMES = "function () { return this.frames; }"


class ArtifactWorld:
    """The artifact frame's counts, its DOM from an isolated world, and the check's styles on it."""

    def __init__(self, page: Page, cdp: CDPSession) -> None:
        self.page = page
        self.cdp = cdp
        self.state_id: str | None = None  # the init script's state, handed over on the console
        self.frame_id: str | None = None
        self._frames_of: dict[int, str] = {}  # each page world's execution context: its frame
        self._world: int | None = None
        self._sheet: str | None = None
        self._styled = False  # the caret is hidden from the first look on (again in a document loaded anew)

    async def start(self) -> None:
        """Listen for the handover; before the page loads (the artifact's frame sends it before any page script)."""
        self.cdp.on("Runtime.executionContextCreated", self._context_created)
        self.cdp.on("Runtime.consoleAPICalled", self._console)
        await self.cdp.send("Runtime.enable")

    def _context_created(self, params: dict[str, Any]) -> None:
        context = params.get("context") or {}
        aux = context.get("auxData") or {}
        if aux.get("isDefault") and aux.get("frameId"):
            self._frames_of[context["id"]] = aux["frameId"]

    def _console(self, params: dict[str, Any]) -> None:
        args = params.get("args") or []
        if params.get("type") != "debug" or len(args) != 2:
            return
        # A page cannot send the nonce. The artifact's frame sends it again when its document is loaded anew
        # (a reload): the newest is the one that counts.
        if args[0].get("value") == HANDOFF and args[1].get("objectId"):
            self.state_id = args[1]["objectId"]
            self.frame_id = self._frames_of.get(params.get("executionContextId", -1))
            self._world, self._sheet = None, None  # a new document: a new world and stylesheet in it

    async def _state(self, function: str) -> Any:
        if self.state_id is None:
            return None
        try:
            reply = await self.cdp.send(
                "Runtime.callFunctionOn",
                {"objectId": self.state_id, "functionDeclaration": function, "returnByValue": True, "silent": True},
            )
        except PlaywrightError:
            self._unless_closed()
            return None  # its document was replaced before the new one handed its counts over
        return None if "exceptionDetails" in reply else reply.get("result", {}).get("value")

    def _unless_closed(self) -> None:
        """Re-raise a DevTools error when the page is gone (the check's own handling says so), else let it pass.

        Any other (a document replaced under a call) reads as nothing seen: a check must not end with no look
        taken, which reads as "blank" for a page that drew.
        """
        if self.page.is_closed():
            raise

    async def counts(self) -> dict[str, Any] | None:
        """What the init script counted: frames, pending work, contexts, input listeners, each canvas's drawing."""
        report = await self._state(_REPORT)
        return report if isinstance(report, dict) else None

    async def frames(self) -> Any:
        """The animation frames the page has drawn (the page's own value type is checked by the caller)."""
        return await self._state(_FRAMES)

    async def run(self, script: str, arg: Any = None) -> Any:
        """One of the check's DOM scripts in the isolated world; None when the page's DOM made it throw."""
        for _attempt in range(2):  # once more in a new world when the document was replaced
            if self._world is None:
                self._world = await self._new_world()
                if self._world is None:
                    return None
            try:
                reply = await self.cdp.send(
                    "Runtime.callFunctionOn",
                    {
                        "functionDeclaration": script,
                        "executionContextId": self._world,
                        "arguments": [{"value": arg}],
                        "returnByValue": True,
                        "silent": True,
                    },
                )
            except PlaywrightError:
                self._unless_closed()
                self._world = None  # the frame's document was replaced: a new world in the new one
                continue
            return None if "exceptionDetails" in reply else reply.get("result", {}).get("value")
        return None

    async def _new_world(self) -> int | None:
        if self.frame_id is None:
            return None
        try:
            reply = await self.cdp.send("Page.createIsolatedWorld", {"frameId": self.frame_id, "worldName": _WORLD})
        except PlaywrightError:
            self._unless_closed()
            return None
        return int(reply["executionContextId"])

    async def ready(self) -> bool:
        """Whether the page has drawn its first frames, or has nothing scheduled to draw more on its own."""
        if self.state_id is None:  # a frame that never handed its counts over: nothing to wait for
            return True
        return bool(await self.run(READY_JS, await self.counts()))

    async def probe(self) -> Any:
        """The probe's raw report (made safe by probe_facts.clean_probe)."""
        if self._styled and self._sheet is None:
            await self.style(canvas_only=False)
        return await self.run(PROBE_JS, await self.counts())

    async def style(self, *, canvas_only: bool) -> None:
        """Hide the caret always, and everything but canvases while `canvas_only`."""
        if self.frame_id is None:
            return
        self._styled = True
        try:
            if self._sheet is None:
                await self.cdp.send("DOM.enable")  # (again after a reload: enabling twice is harmless)
                await self.cdp.send("CSS.enable")
                reply = await self.cdp.send("CSS.createStyleSheet", {"frameId": self.frame_id})
                self._sheet = str(reply["styleSheetId"])
            text = CARET_CSS + (CANVAS_ONLY_CSS if canvas_only else "")
            await self.cdp.send("CSS.setStyleSheetText", {"styleSheetId": self._sheet, "text": text})
        except PlaywrightError:
            self._unless_closed()
            self._sheet = None  # its document was replaced: a new sheet next time
