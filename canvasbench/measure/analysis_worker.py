"""`python -m canvasbench.measure.analysis_worker`: analyse responses sent on stdin, answer on stdout, exit at EOF.

Frames both ways are a 4-byte big-endian length and a pickle: a response text in, a ResponseAnalysis
(or the exception it raised) out. The parent is the only writer of stdin, so when it dies, even by
SIGKILL, the next read sees EOF and this process ends.
"""

from __future__ import annotations

import pickle
import signal
import struct
import sys
from typing import IO

from canvasbench.measure.analysis import analyse_response

_LENGTH = struct.Struct(">I")


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame's payload, or None at a clean or broken end of stream."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    body = stream.read(size)
    return body if len(body) == size else None


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    """Send one frame and flush it."""
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer frames until the input ends."""
    while (payload := read_frame(requests)) is not None:
        try:
            result: object = analyse_response(pickle.loads(payload))
        except Exception as exc:  # the parent falls back to analysing in its own thread
            result = RuntimeError(f"{type(exc).__name__}: {exc}")
        write_frame(answers, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def main() -> None:
    """Serve on the real stdin/stdout; anything printed by accident goes to stderr, not into the frames."""
    # Ctrl-C is the parent's to handle: this process ends when its stdin closes, so it prints no
    # KeyboardInterrupt traceback when a terminal sends SIGINT to the whole process group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
