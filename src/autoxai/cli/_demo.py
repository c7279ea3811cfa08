"""``autoxai demo``: the main job on a real table shipped with the package."""

from __future__ import annotations

import argparse
from pathlib import Path

from autoxai.cli._run import add_arguments, execute

NAME = "demo"


def add_parser(sub) -> None:
    parser = sub.add_parser(
        NAME,
        help="run the main job on the shipped Palmer penguins table",
        description=(
            "Predict the species of 344 Palmer penguins (3 classes; categorical and "
            "missing values; CC0 data shipped inside autoxai) with a short time budget, "
            "and write the run directory."
        ),
    )
    parser.add_argument(
        "--out", default="autoxai-demo", help="output directory (default %(default)s)"
    )
    add_arguments(parser, demo=True)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from importlib import resources

    from autoxai.datasets import penguins_path

    with resources.as_file(penguins_path()) as path:
        return execute(path, "species", Path(args.out), args, resume=False)
