"""Realistic model responses for the extraction, line-count and inspect tests.

Small hand-written responses live here as files (`read(name)`); long ones are generated, and the
generators know which lines they wrote as code, so the tests compare against an independent count.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def read(name: str) -> str:
    """The text of a saved response in this folder."""
    return (HERE / name).read_text(encoding="utf-8")


def threejs_page(target_lines: int = 1500) -> tuple[str, int]:
    """A Three.js physics page of about target_lines lines, and how many of its lines are code.

    Comments are HTML comments (one- and multi-line), CSS comments and JS `//`, `/* */` and JSDoc
    blocks, mixed with blank lines, the way long model-written pages look.
    """
    rows: list[tuple[str, bool]] = []

    def code(*lines: str) -> None:
        rows.extend((line, True) for line in lines)

    def comment(*lines: str) -> None:
        rows.extend((line, False) for line in lines)

    code("<!DOCTYPE html>", '<html lang="en">', "<head>", '  <meta charset="UTF-8">')
    code("  <title>Rigid Body Playground</title>")
    comment("  <!--", "    Styles: full-window canvas and a HUD panel.", "  -->")
    code("  <style>")
    comment("    /* Reset */")
    code("    html, body { margin: 0; height: 100%; overflow: hidden; background: #0b0e14; }")
    comment("    /*", "     * HUD panel in the top-left corner", "     */")
    code("    #hud {", "      position: fixed; top: 12px; left: 12px;", "      color: #cfe3ff;")
    code("      font: 12px/1.4 ui-monospace, monospace; /* readable */", "    }")
    code("  </style>")
    code(
        '  <script type="importmap">',
        '    { "imports": { "three": "https://unpkg.com/three@0.160.0/build/three.module.js" } }',
    )
    code("  </script>", "</head>", "<body>", '  <div id="hud">Bodies: <span id="count">0</span></div>')
    rows.append(("", False))
    code('  <script type="module">', "    import * as THREE from 'three';")
    rows.append(("", False))
    code("    const scene = new THREE.Scene();", "    const bodies = [];")
    i = 0
    while len(rows) < target_lines - 12:
        comment(
            "    /**",
            f"     * Body {i}: integrates velocity with semi-implicit Euler.",
            "     * @param {number} dt",
            "     */",
        )
        code(f"    function stepBody{i}(dt) {{")
        comment(f"      // gravity pulls body {i} down")
        code(f"      bodies[{i}].velocity.y -= 9.81 * dt;")
        code(f"      bodies[{i}].position.addScaledVector(bodies[{i}].velocity, dt); // move")
        code(f"      if (bodies[{i}].position.y < 0) {{ bodies[{i}].velocity.y *= -0.6; }}")
        code(f"      const label = `body ${{{i}}} // at ${{bodies[{i}].position.y.toFixed(2)}}`;")
        code("      if (/^body/.test(label)) { document.title = label; }", "    }")
        rows.append(("", False))
        i += 1
    comment("    /* main loop", "       runs every frame */")
    code("    function animate() {", "      requestAnimationFrame(animate);", "    }", "    animate();")
    code("  </script>", "</body>", "</html>")
    text = "\n".join(line for line, _ in rows)
    return text, sum(1 for _, is_code in rows if is_code)


def degenerate_page(dots: int = 5000, blanks: int = 3000) -> str:
    """A page whose model got stuck: thousands of `.` lines and blank lines inside the body."""
    return (
        "<!DOCTYPE html>\n<html>\n<head><title>Win98</title></head>\n<body>\n"
        + '<div class="desktop">\n'
        + ".\n" * dots
        + "\n" * blanks
        + "...\n" * 10
        + "</div>\n</body>\n</html>"
    )
