"""What every ``relsim`` command shares: argument types, common options, exit statuses.

Bad input — an invalid model, a bad option value, a results directory of
another run — prints one message per problem to stderr and exits with
:data:`EXIT_BAD_INPUT`, never a traceback (docs/model-format.md §15).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "BadInput", "add_output_options", "add_run_options",
           "bad_value", "duration_arg", "emit", "horizon_arg", "positive_int", "seed_arg", "show_progress", "whole"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class BadInput(Exception):
    """An option value the user got wrong (exit status 2)."""


def duration_arg(text: str) -> float:
    """An argparse type: a duration with its unit (``10y``, ``30m``)."""
    from relsim.units import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def horizon_arg(text: str) -> float:
    """An argparse type: a positive duration no longer than the limit on durations.

    A negative horizon must be written ``--horizon=-1h`` to reach here (argparse
    reads ``-1h`` as an option); :func:`relsim.cli.main` joins it for the user.
    """
    from relsim.model.limits import MAX_DURATION
    from relsim.units import format_duration_spec

    seconds = duration_arg(text) if not text.strip().startswith("-") else -1.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"horizons must be positive, got {text!r}: write e.g. 1y or 30d")
    if seconds > MAX_DURATION:
        raise argparse.ArgumentTypeError(f"horizon {text!r} is longer than {format_duration_spec(MAX_DURATION)} "
                                         "(the limit on durations)")
    return seconds


def whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


#: The names of :data:`relsim.backends.BACKENDS`, repeated here so that
#: building the parser does not import the engine (``relsim --version`` and
#: ``relsim check`` start fast); tests/test_cli.py checks they agree.
BACKENDS = ("serial", "processes", "dask")

positive_int = whole(1)
seed_arg = whole(0)


def add_run_options(p: argparse.ArgumentParser, runs_help: str = "replications (default 100)") -> None:
    """Options of every command that runs replications: how many, seed, horizon, where."""
    p.add_argument("--runs", type=positive_int, default=100, help=runs_help)
    p.add_argument("--seed", type=seed_arg, default=0, help="base seed (default 0)")
    p.add_argument("--horizon", type=horizon_arg, default=None,
                   help="simulated time per replication, e.g. 10y (positive)")
    p.add_argument("--jobs", type=positive_int, default=1, help="worker processes (default 1)")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="where replications run (default: processes if --jobs > 1)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of an existing Dask scheduler (implies --backend dask)")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal or with --json/--csv")


def add_output_options(p: argparse.ArgumentParser, csv_help: str = "print CSV instead of a table") -> None:
    """``--json`` and ``--csv``, the same on every command that prints results."""
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON instead of a table")
    out.add_argument("--csv", action="store_true", help=csv_help)


def show_progress(args: argparse.Namespace) -> bool:
    """A progress bar when asked for, or on a terminal for human-readable output."""
    machine = getattr(args, "json", False) or getattr(args, "csv", False)
    return bool(args.progress or (not machine and sys.stderr.isatty()))


def bad_value(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the library; a ValueError about the values given becomes exit status 2."""
    from relsim.errors import RelsimError

    try:
        return fn(*args, **kwargs)
    except RelsimError:
        raise
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def emit(text: str) -> None:
    """Print ``text`` to standard output (the CLI's only printer of results)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
