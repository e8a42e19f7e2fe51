"""Starting relsim in a subprocess that Ctrl-C can stop."""

from __future__ import annotations

import signal


def sigint_as_from_a_terminal() -> None:
    """``preexec_fn`` for a child that is sent SIGINT.

    A signal ignored by the parent stays ignored across ``exec``, and Python
    then leaves it ignored: the suite run as a background job, or by a
    pytest-xdist worker, would start children that Ctrl-C cannot stop. The
    child gets SIGINT's default action back, as when started from a terminal.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
