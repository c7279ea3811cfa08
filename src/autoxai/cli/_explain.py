"""``autoxai explain``: why the saved model predicts what it does for one row."""

from __future__ import annotations

import argparse
from pathlib import Path

from autoxai.cli._model_args import add_trust_argument
from autoxai.exceptions import AutoXAIError

NAME = "explain"

#: Background rows for SHAP, drawn from DATA (the same rule as the run's report).
BACKGROUND_ROWS = 50


def add_parser(sub) -> None:
    parser = sub.add_parser(
        NAME,
        help="explain one row's prediction (SHAP and/or LIME) as a table and a PNG",
        description="Load the model of RUN_DIR, take row N of DATA (0-based, in file "
        "order), print each column's SHAP value and LIME weight for the predicted class "
        "(or the prediction), and write a PNG of the explanation.",
    )
    parser.add_argument("run_dir", help="a directory written by `autoxai run` or `demo`")
    parser.add_argument("data", help="CSV or Parquet file with the model's columns")
    parser.add_argument("--row", type=int, required=True, help="row to explain (0-based)")
    parser.add_argument(
        "--method", choices=("shap", "lime", "both"), default="both", help="default both"
    )
    parser.add_argument(
        "--png", default=None, help="picture to write (default RUN_DIR/explain-row-N.png)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    add_trust_argument(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from autoxai import explain, load
    from autoxai.automl import read_table
    from autoxai.cli._predict import print_row_notes
    from autoxai.explain._model import as_predictor

    run_dir = Path(args.run_dir)
    model = load(run_dir, trust=args.trust)
    table, _ = read_table(args.data)
    print_row_notes(model, table)
    columns = list(model.dataset_.schema.columns)
    X = table.set_axis([str(c) for c in table.columns], axis=1)[columns]
    if not 0 <= args.row < len(X):
        raise AutoXAIError(f"--row must be between 0 and {len(X) - 1} (the rows of DATA)")
    row = X.iloc[[args.row]].reset_index(drop=True)
    predictor, _ = as_predictor(model, row)
    output = predictor(row)[0]
    index = int(np.argmax(output)) if predictor.is_classifier else 0
    name = predictor.output_names[index]

    results = {}
    if args.method in ("shap", "both"):
        background = X.sample(min(BACKGROUND_ROWS, len(X)), random_state=args.seed)
        results["shap"] = explain.shap_values(
            model, row, background=background, output="auto", random_state=args.seed
        )
    if args.method in ("lime", "both"):
        results["lime"] = explain.lime(
            model, X, args.row, output=predictor.classes[index] if predictor.is_classifier
            else None, random_state=args.seed)  # fmt: skip

    console = Console()
    what = f"class {name!r} (probability {output[index]:.3f})" if predictor.is_classifier \
        else f"prediction {output[0]:.4g}"  # fmt: skip
    console.print(f"row {args.row} of {args.data}: {what}", markup=False, highlight=False)
    grid = Table(title="why (largest effect first)")
    for title in ("column", "value", *(["SHAP"] if "shap" in results else []),
                  *(["LIME weight", "LIME condition"] if "lime" in results else [])):  # fmt: skip
        grid.add_column(title, justify="left" if title in ("column", "value") else "right")
    shap_row = _shap_row(results.get("shap"), name)
    order = np.argsort(-np.abs(shap_row if shap_row is not None else results["lime"].values))
    for j in order:
        cells = [str(columns[j]), str(row.iloc[0, j])]
        if shap_row is not None:
            cells.append(f"{shap_row[j]:+.4f}")
        if "lime" in results:
            lime = results["lime"]
            cells += [f"{lime.values[j]:+.4f}", str(lime.conditions[j])]
        grid.add_row(*cells)
    console.print(grid)
    for method, result in results.items():
        for line in _summary(method, result):
            console.print(f"{method}: {line}", markup=False, highlight=False)
    png = Path(args.png) if args.png else run_dir / f"explain-row-{args.row}.png"
    for path in _write_png(png, results, name):
        console.print(f"picture: {path}", markup=False, highlight=False)
    return 0


def _shap_row(shap, name: str):
    if shap is None:
        return None
    outputs = list(shap.output_names or [])
    k = outputs.index(name) if name in outputs else -1
    return shap.values[k][0]


def _summary(method: str, result) -> list[str]:
    import numpy as np

    d = result.diagnostics
    if method == "shap":
        base = np.ravel(result.base_value)
        return [f"{result.settings.get('method')}; {d.get('output', '')}; base value "
                f"{', '.join(f'{b:.4g}' for b in base)}; additivity error "
                f"{d.get('additivity_error', float('nan')):.2g}"]  # fmt: skip
    lines = [f"local fidelity (weighted R²) {d.get('fidelity', float('nan')):.3f}"]
    return lines + [f"warning: {w}" for w in result.warnings]


def _write_png(path: Path, results: dict, name: str) -> list[Path]:
    """One picture per method (``-shap``/``-lime`` added to the name when both)."""
    from autoxai.plots._svg import style
    from autoxai.plots.local import lime_bars, waterfall

    written = []
    with style():
        for method, result in results.items():
            if method == "shap":
                outputs = list(result.output_names or [])
                k = outputs.index(name) if name in outputs else -1
                fig = waterfall(result, output=k, as_figure=True)
            else:
                fig = lime_bars(result, as_figure=True)
            target = path if len(results) == 1 else path.with_name(
                f"{path.stem}-{method}{path.suffix}")  # fmt: skip
            fig.savefig(target, dpi=150, bbox_inches="tight")
            written.append(target)
    return written
