"""Starting the `canvasbench` CLI as a child process the way a terminal does, for tests that press Ctrl-C."""

from __future__ import annotations

# A child inherits an ignored or blocked SIGINT, and a test process can start with one: a shell without job
# control starts background jobs (`pytest ... &`, CI scripts) with SIGINT ignored, and Python then leaves it
# so. This makes Ctrl-C raise KeyboardInterrupt in the child whatever this process was started with.
AS_FROM_A_TERMINAL = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "from canvasbench.cli import main; main()"
)
