"""`python -m tests.fakes --port 8765`: run the fake providers in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from tests.fakes.server import FakeServer


def main() -> None:
    """Parse arguments, print how to point the SDKs here, and serve."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--required-key", default=None, help="answer 401 to any other key")
    args = parser.parse_args()
    server = FakeServer(args.host, args.port, required_key=args.required_key)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server._ready.is_set():
            await asyncio.sleep(0.01)
        print(f"Fake Gemini/OpenAI/Anthropic server on {server.base_url}  (Ctrl-C to stop)", flush=True)
        for name, value in server.env().items():
            print(f"export {name}={value}", flush=True)
        print(
            "Model ids: gemini:fake, openai:fake;thinking=2, anthropic:fake;fault=cut:5 "
            "(grammar: tests/fakes/README.md)",
            flush=True,
        )
        await task

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
