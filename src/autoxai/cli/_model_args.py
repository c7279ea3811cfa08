"""Options shared by the commands that load a saved model (``predict``, ``explain``)."""

from __future__ import annotations

import argparse

__all__ = ["add_trust_argument"]


def add_trust_argument(parser: argparse.ArgumentParser) -> None:
    """``--trust``: load a model not signed with the user's key (see :func:`autoxai.load`)."""
    parser.add_argument(
        "--trust",
        action="store_true",
        help="load a model not signed with your key (only from a source you trust: "
        "a model file can run code when loaded)",
    )
