"""``autoxai predict``: predictions of a saved model for a table."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from autoxai.cli._model_args import add_trust_argument

NAME = "predict"


def add_parser(sub) -> None:
    parser = sub.add_parser(
        NAME,
        help="predict with a saved model",
        description="Predict TARGET for the rows of DATA with the model saved in MODEL_DIR "
        "(a run directory); classification adds one probability column per class.",
    )
    parser.add_argument("model_dir", help="run directory (or its model/ directory)")
    parser.add_argument("data", help="CSV or Parquet file with the feature columns")
    parser.add_argument("--out", default=None, help="CSV file to write (default: stdout)")
    add_trust_argument(parser)
    parser.set_defaults(handler=handle)


def print_row_notes(model, table) -> None:
    """Check ``table`` against the model (a one-line error if it cannot be used), then
    say on stderr, once each, what is ignored or read as missing."""
    from autoxai.automl._new_rows import check_rows, row_notes

    schema = model.dataset_.schema
    check_rows(table, schema)
    known = [d.column for d in model.dataset_.decisions]
    for note in row_notes(table, schema, target=model.dataset_.target, known=known):
        print(f"autoxai: note: {note}", file=sys.stderr)


def handle(args: argparse.Namespace) -> int:
    from autoxai.automl import read_table
    from autoxai.automl._artifacts import load

    model = load(args.model_dir, trust=args.trust)
    table, _ = read_table(args.data)
    print_row_notes(model, table)
    out = table.iloc[:, :0].copy()
    out["prediction"] = model.predict(table)
    if model.classes_ is not None:
        proba = model.predict_proba(table)
        for i, label in enumerate(model.classes_):
            out[f"proba_{label}"] = np.round(proba[:, i], 6)
    if args.out is None:
        out.to_csv(sys.stdout, index=False)
    else:
        out.to_csv(args.out, index=False)
        print(f"wrote {len(out)} predictions to {args.out}")
    return 0
