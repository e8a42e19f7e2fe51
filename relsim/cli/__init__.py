"""The ``relsim`` command line.

Each command lives in its own module of this package, which registers its
parser and its handler (``add_parsers``); :data:`COMMAND_MODULES` lists them
in the order ``relsim --help`` shows them. Command modules import the
library lazily, inside their handlers, so that ``relsim --version`` and
``relsim check`` start without loading the engine, pandas or scipy.
Formatting is :mod:`relsim.report`'s job; these modules choose what to print.

Bad input prints one message per problem to stderr and exits with status 2,
never a traceback; Ctrl-C exits with status 130 after reporting what
finished.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from relsim.cli.common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, BadInput

__all__ = ["COMMAND_MODULES", "main"]

#: The modules of :mod:`relsim.cli` that define commands, in help order.
COMMAND_MODULES = ("run", "check", "variants", "single", "rare", "metrics", "examples",
                   "importance", "cutsets", "schema", "report", "plot", "incidents")

#: The thread pools of the BLAS libraries numpy and scipy load, sized 1 for
#: the command unless the user sized them. relsim's arrays are small (one
#: replication's draws, a summary's columns); its parallelism is processes
#: (``--jobs``), whose workers inherit this. A pool of one thread per core
#: only costs start-up CPU (about 0.15 s per library on 2 cores) and, with
#: ``--jobs``, oversubscribes the cores.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _parser() -> argparse.ArgumentParser:
    from relsim import __version__

    p = argparse.ArgumentParser(prog="relsim", description="Discrete-event reliability simulation.")
    p.add_argument("--version", action="version", version=f"relsim {__version__}")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="import MODULE first: it registers behaviours, metrics or distributions "
                        "(docs/extending.md); repeatable")
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"relsim.cli.{name}").add_parsers(sub)
    return p


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--horizon -1h`` becomes ``--horizon=-1h``.

    argparse reads a value like ``-1h`` as an unknown option and says only
    "expected one argument"; joined, it reaches the option's type, which says
    what is wrong with it (a horizon must be positive).
    """
    out: list[str] = []
    for arg in argv:
        if (out and out[-1].startswith("--") and "=" not in out[-1] and len(arg) > 1
                and arg[0] == "-" and (arg[1].isdigit() or arg[1] == ".")):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``relsim`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    for name in BLAS_THREADS:  # before numpy is imported, or it has no effect (see BLAS_THREADS)
        os.environ.setdefault(name, "1")
    args = _parser().parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
    from relsim.errors import BackendError, BehaviourError, ModelError, StoreMismatch, TooManyEvents

    try:
        if args.plugin:
            from relsim.model.behaviour_registry import import_plugins

            try:
                import_plugins(args.plugin)
            except ValueError as exc:
                raise BadInput(str(exc)) from None
        return int(args.handler(args))
    except ModelError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        n = len(exc.problems)
        print(f"relsim: {n} problem{'s' * (n != 1)} found", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (BadInput, StoreMismatch, BackendError, TooManyEvents) as exc:
        # Values the user got wrong: an option, an override path, a results
        # directory of another run, an unreachable scheduler, a run that
        # would take more events than --max-events allows.
        print(f"relsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BehaviourError as exc:
        # A user-defined behaviour raised: its name, the simulated time and
        # the line of its code say where; no traceback of relsim's internals.
        print(f"relsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("relsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
