"""The ``autoxai`` command: a thin layer that parses, calls the public API and prints.

Exit status: 0 on success; 2 for a user mistake (one line on stderr, ``--debug`` shows
the traceback instead); 3 when ``run`` saved the model but an explanation method or the
report failed (one line names them); 130 after Ctrl-C, once the study has recorded what
it finished.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from autoxai._version import __version__
from autoxai.cli import _demo, _explain, _predict, _report, _run
from autoxai.exceptions import AutoXAIError

__all__ = ["main", "run"]

_COMMANDS = (_run, _predict, _explain, _report, _demo)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autoxai",
        description="Automated AI for tabular data: search for a good model, then explain it.",
    )
    parser.add_argument("--version", action="version", version=f"autoxai {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (status 2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except AutoXAIError as exc:
        if args.debug:
            raise
        print(f"autoxai: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `autoxai predict ... | head`: the reader has gone
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no flush error at exit
        return 0
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("autoxai: interrupted; finished trials are kept", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point.

    stdout is flushed at each line, also into a file or a pipe (where Python would
    otherwise hold lines back until its buffer fills), so a log shows a run as it goes.
    """
    sys.stdout.reconfigure(line_buffering=True)
    sys.exit(main())
