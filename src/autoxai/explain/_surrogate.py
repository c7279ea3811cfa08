"""Global surrogate: a small readable model trained to imitate the model's predictions.

A global surrogate (Craven & Shavlik 1996; Molnar, *Interpretable Machine Learning*,
"Global Surrogate") answers "what does the model do, roughly?" by fitting an interpretable
model — a shallow decision tree or a sparse linear model — to the *model's predictions*
on ``X`` (never to the true labels), then reading that model's rules. The rules only
describe the model as far as the surrogate reproduces it, so the fidelity is measured on
rows the surrogate did not see, and a warning says in plain words when it is too low for
the rules to be trusted.

The surrogate sees the user's original columns, encoded for it by one scikit-learn
``ColumnTransformer``: numeric columns as they are (median-imputed), other columns
(strings, categories, booleans) one-hot encoded after most-frequent imputation, and all
of them standardised for the linear kind so its L1 penalty treats them alike. Importances
are reported back on the original columns, so a one-hot column counts once.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int, choose, seed_from
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._model import Predictor, as_predictor
from autoxai.explain._perturb import is_numeric

__all__ = ["surrogate"]

KINDS = ("tree", "linear")
TARGETS = ("auto", "label", "proba")

#: Fewest rows a surrogate is fitted and checked on.
MIN_ROWS = 10
#: Default L1 strength of the Lasso surrogate, as a fraction of the target's spread.
LASSO_ALPHA = 0.01
#: Default L1 strength of the logistic surrogate, on the mean log-loss scale.
LOGISTIC_ALPHA = 0.01
#: A gap between in-sample and held-out fidelity above which the surrogate overfits.
OVERFIT_GAP = 0.1


def surrogate(
    model: Any,
    X: Any,
    *,
    kind: str = "tree",
    max_depth: int = 3,
    target: str = "auto",
    alpha: float | None = None,
    test_size: float = 0.3,
    fidelity_threshold: float = 0.8,
    random_state: RandomState = None,
) -> Explanation:
    """Fit a readable model to ``model``'s predictions and report its rules and fidelity.

    The surrogate is trained on a random ``1 - test_size`` share of the rows of ``X`` to
    reproduce the model's outputs there, and its fidelity is measured on the other rows
    (split stratified by the model's predicted class for classifiers, when every class
    has two rows). In-sample fidelity is reported too, for contrast: a surrogate always
    looks better on the rows it was fitted to.

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        The fitted model to explain (see :func:`~autoxai.explain._model.as_predictor`).
    X : DataFrame or 2-D array
        Rows whose predictions the surrogate imitates, in the model's original columns.
    kind : {"tree", "linear"}
        ``"tree"``: a CART decision tree of depth ``max_depth`` with at least 1 % of the
        training rows per leaf (so leaves speak of groups, not single rows).
        ``"linear"``: a sparse linear model on standardised features — a Lasso for numeric
        targets (the prediction, or each class probability), an L1 logistic regression
        for class labels (liblinear for two classes, multinomial saga for more).
    max_depth : int
        Depth of the tree (ignored by the linear kind). Deeper is more faithful and less
        readable; 2 to 4 is the usual compromise.
    target : {"auto", "label", "proba"}
        What the surrogate imitates. ``"auto"``: a regressor's prediction, a classifier's
        predicted label. ``"label"`` (classifiers): the predicted class, fidelity is the
        share of held-out rows where surrogate and model agree. ``"proba"`` (classifiers):
        the class probabilities, regressed jointly; fidelity is R² averaged over classes.
    alpha : float > 0 or None
        L1 strength of the linear kind (ignored by the tree). For the Lasso it is the
        scikit-learn ``alpha`` (mean squared error scale); for the logistic regression it
        is the penalty per unit of mean log-loss, i.e. ``C = 1 / (alpha * n_train)``.
        Default (no cross-validation, so the result is cheap and deterministic): for the
        Lasso ``0.01 * std(target)`` (mean std over classes for probabilities), which
        shrinks each standardised coefficient by at most 1 % of the target's spread and
        so costs at most about ``n_features * 1e-4`` of R² on a truly linear model while
        still zeroing features whose effect is below that; for the logistic regression
        ``0.01``.
    test_size : float in (0, 1)
        Share of rows held out to measure fidelity: ``test_size * n`` rounded half up.
        Fitting the encoders and the surrogate uses the other rows only.
    fidelity_threshold : float in [0, 1]
        Held-out fidelity below which the result carries a warning.
    random_state : int, numpy.random.Generator or None
        Seeds the train/test split and the tree's tie-breaking.

    Returns
    -------
    Explanation
        ``method="surrogate"``, ``scope="global"``; ``values`` holds one importance per
        original column of ``X`` (summing to 1, or all 0 when the surrogate is constant):
        for the tree, the sum of the impurity-based importances of the column's encoded
        features; for the linear kind, the sum of the absolute standardised coefficients
        (over the column's encoded features and over outputs), normalised.
        ``diagnostics``: ``fidelity`` (held out), ``fidelity_metric`` (``"agreement"`` or
        ``"r2"``), ``fidelity_train``, ``n_train``, ``n_test``, ``stratified``,
        ``model_time``, ``warnings``; the tree adds ``n_leaves``, ``depth`` and
        ``min_samples_leaf``, the linear kind ``n_nonzero`` (encoded features with a
        non-zero coefficient) and ``alpha`` (the strength used). ``arrays``:

        ``rules``
            0-d object array holding the rules as text (read as ``result.rules``, a str). The tree
            is printed in the layout of :func:`sklearn.tree.export_text`, but rendered
            here so that a one-hot split reads ``colour = red`` / ``colour ≠ red`` rather
            than ``colour_red <= 0.50``; leaves give the value (or class) and row count.
            The linear kind prints one equation per output in the original units, e.g.
            ``prediction = 0.12 + 0.5 × age − 0.3 × [colour = red]``.
        ``encoded_names``, ``encoded_column``
            The surrogate's features as readable names, and the original column of each.
        ``surrogate_outputs``
            Names of the surrogate's outputs: ``["prediction"]``, the classes for
            ``"proba"`` and label trees, the class whose log-odds a binary logistic
            surrogate models.
        ``tree_feature``, ``tree_threshold``, ``tree_left``, ``tree_right``,
        ``tree_value``, ``tree_samples`` (tree)
            The tree as parallel per-node arrays, node 0 the root: the split's encoded
            feature name (``""`` for a leaf), its threshold (NaN for a leaf; rows with
            ``value <= threshold`` go left, so the left child of a one-hot split is
            "not that category"), the children's node ids (-1 for a leaf), the node's
            prediction (the value, the class label, or one probability per class) and
            its number of training rows.
        ``coefficients``, ``scaled_coefficients``, ``intercept``, ``direction`` (linear)
            Coefficients per output and encoded feature in original units (as in the
            rules) and for standardised features (as in the importances), the intercepts
            in original units, and per original column the sign of a numeric column's
            effect (+1, -1, 0; NaN for other columns and for multiclass outputs).

    Raises
    ------
    DataError
        Fewer than 10 rows, a split leaving fewer than 2 held-out or 2 training rows,
        non-finite predictions, or
        a linear surrogate of labels when the model predicts one class only.
    InvalidParameterError
        An unknown ``kind`` or ``target``, or ``target="label"``/``"proba"`` for a
        regressor; out-of-range numbers.

    References
    ----------
    Craven, M. W. & Shavlik, J. W. (1996). Extracting tree-structured representations of
    trained networks. *NeurIPS 8*. Molnar, C. *Interpretable Machine Learning*, chapter
    "Global Surrogate".

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    >>> model = RandomForestRegressor(n_estimators=10, random_state=0)
    >>> model = model.fit(X, 3 * (X["a"] > 0) + 0.1 * X["b"])
    >>> result = surrogate(model, X, max_depth=2, random_state=0)
    >>> bool(result.diagnostics["fidelity"] > 0.8), int(result.values.argmax())
    (True, 0)
    >>> print(result.rules.splitlines()[0])
    |--- a <= ...
    """
    kind = choose("kind", kind, KINDS)
    target = choose("target", target, TARGETS)
    max_depth = check_int("max_depth", max_depth, minimum=1)
    test_size = _check_float("test_size", test_size, low=0.0, high=1.0, closed=False)
    fidelity_threshold = _check_float(
        "fidelity_threshold", fidelity_threshold, low=0.0, high=1.0, closed=True
    )
    if alpha is not None:
        alpha = _check_float("alpha", alpha, low=0.0, high=math.inf, closed=False)
    seed = seed_from(random_state)
    sk_seed = seed % 2**32

    predictor, frame = as_predictor(model, X)
    used = _resolve_target(target, predictor)
    n = len(frame)
    n_test, n_train = _split_sizes(n, test_size)
    y, labels = _imitated(predictor, frame, used)

    train, test, stratified = _split(n, n_test, labels, sk_seed)
    encoder, Z_train, Z_test = _encode(frame, train, test, scale=kind == "linear")
    names, origin, dummy = _encoded_names(encoder)
    columns = list(frame.columns)

    settings = {
        "kind": kind,
        "max_depth": max_depth,
        "target": target,
        "target_used": used,
        "alpha": alpha,
        "test_size": test_size,
        "fidelity_threshold": fidelity_threshold,
    }
    if kind == "tree":
        fit = _fit_tree(Z_train, y[train], used, max_depth, sk_seed)
    else:
        fit = _fit_linear(Z_train, y[train], used, alpha, sk_seed)
    estimator, diagnostics, fit_warnings = fit

    metric = "agreement" if used == "label" else "r2"
    fidelity, fidelity_train = _fidelities(metric, estimator, (Z_train, Z_test), y, train, test)
    diagnostics = {
        "fidelity": fidelity,
        "fidelity_metric": metric,
        "fidelity_train": fidelity_train,
        "n_train": int(n_train),
        "n_test": int(n_test),
        "stratified": stratified,
        **diagnostics,
        "model_time": predictor.model_seconds,
    }
    diagnostics["warnings"] = fit_warnings + _fidelity_warnings(
        metric, fidelity, fidelity_train, fidelity_threshold, kind, max_depth
    )

    class_names = predictor.output_names
    if kind == "tree":
        values, arrays = _tree_result(estimator, names, origin, dummy, columns, used, class_names)
    else:
        values, arrays = _linear_result(
            estimator, encoder, names, origin, dummy, columns, used, class_names
        )
    arrays["encoded_names"] = _strings(names)
    arrays["encoded_column"] = _strings([columns[j] for j in origin])
    return Explanation(
        method="surrogate",
        scope="global",
        feature_names=columns,
        values=values,
        diagnostics=diagnostics,
        settings=settings,
        random_state=seed,
        arrays=arrays,
    )


def _split_sizes(n: int, test_size: float) -> tuple[int, int]:
    """The held-out and training row counts, ``test_size * n`` rounded half up held out.

    Fitting and checking the surrogate each need at least 2 rows, and ``X`` at least
    :data:`MIN_ROWS`.
    """
    if n < MIN_ROWS:
        raise DataError(
            f"a surrogate needs at least {MIN_ROWS} rows to be fitted and checked; X has {n}"
        )
    n_test = math.floor(test_size * n + 0.5)
    n_train = n - n_test
    if n_test < 2 or n_train < 2:
        raise DataError(
            f"test_size={test_size} leaves {n_test} held-out and {n_train} training rows "
            f"of {n}; fitting and checking the surrogate each need at least 2 rows"
        )
    return n_test, n_train


def _imitated(
    predictor: Predictor, frame: pd.DataFrame, used: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """What the surrogate imitates (``used``: label, probabilities or prediction) on
    ``frame``, and the model's predicted labels (None for a regressor), to stratify by."""
    outputs = predictor(frame)
    if not np.isfinite(outputs).all():
        raise DataError("the model returned NaN or infinite predictions on X")
    labels = outputs.argmax(axis=1) if predictor.is_classifier else None
    if used == "label":
        return labels, labels
    if used == "proba":
        return outputs, labels
    return outputs[:, 0], labels


def _encode(
    frame: pd.DataFrame, train: np.ndarray, test: np.ndarray, *, scale: bool
) -> tuple[Any, Any, Any]:
    """The surrogate's encoder, fitted on the training rows, and both parts encoded."""
    numeric = [c for c in frame.columns if is_numeric(frame[c])]
    prepared = _prepare(frame, numeric)
    encoder = _encoder(frame.columns, numeric, scale=scale)
    Z_train = encoder.fit_transform(prepared.iloc[train])
    Z_test = encoder.transform(prepared.iloc[test])
    return encoder, Z_train, Z_test


def _fidelities(
    metric: str,
    estimator: Any,
    encoded: tuple[Any, Any],
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
) -> tuple[float, float]:
    """How well the surrogate imitates the model on the held-out rows, and on its own."""
    Z_train, Z_test = encoded
    fidelity = _fidelity(metric, y[test], estimator.predict(Z_test))
    fidelity_train = _fidelity(metric, y[train], estimator.predict(Z_train))
    return fidelity, fidelity_train


# -- validation ------------------------------------------------------------------------
def _check_float(name: str, value: Any, *, low: float, high: float, closed: bool) -> float:
    """``value`` as a float inside ``[low, high]`` (``closed``) or ``(low, high)``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ParameterTypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    inside = low <= value <= high if closed else low < value < high
    if not inside or math.isnan(value):
        bounds = f"[{low}, {high}]" if closed else f"({low}, {high})"
        raise InvalidParameterError(f"{name} must be in {bounds}, got {value!r}")
    return value


def _resolve_target(target: str, predictor: Predictor) -> str:
    """The target actually imitated: ``"prediction"``, ``"label"`` or ``"proba"``."""
    if not predictor.is_classifier:
        if target != "auto":
            raise InvalidParameterError(
                f"target={target!r} is for classifiers, but the model is a regressor; "
                "use target='auto' to imitate its prediction"
            )
        return "prediction"
    return "label" if target == "auto" else target


# -- data ------------------------------------------------------------------------------
def _split(
    n: int, n_test: int, labels: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Train and test row indices, stratified by predicted label when that is possible."""
    from sklearn.model_selection import train_test_split

    stratify = None
    if labels is not None:
        _, counts = np.unique(labels, return_counts=True)
        if len(counts) > 1 and counts.min() >= 2 and min(n_test, n - n_test) >= len(counts):
            stratify = labels
    train, test = train_test_split(
        np.arange(n), test_size=n_test, random_state=seed, stratify=stratify
    )
    return np.sort(train), np.sort(test), stratify is not None


def _prepare(frame: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """Numeric columns as floats; the others as objects: strings, with NaN for missing.

    Booleans, categoricals and the string dtypes of pandas all become plain strings, so
    one imputer and one encoder handle them and the dummies read ``flag = True``.
    """
    out = {}
    for column in frame.columns:
        series = frame[column]
        if column in numeric:
            out[column] = series.astype(float).to_numpy()
        else:
            missing = series.isna().to_numpy()
            text = np.array([str(v) for v in series.tolist()], dtype=object)
            if missing.all():
                text[:] = "missing"
            else:
                text[missing] = np.nan
            out[column] = text
    return pd.DataFrame(out, columns=frame.columns)


def _encoder(columns: Any, numeric: list[str], *, scale: bool) -> Any:
    """The ColumnTransformer (numeric first, then one-hot), standardised for ``scale``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [c for c in columns if c not in numeric]
    parts = []
    if numeric:
        imputer = SimpleImputer(strategy="median", keep_empty_features=True)
        parts.append(("numeric", imputer, numeric))
    if categorical:
        onehot = Pipeline(
            [
                ("impute", SimpleImputer(strategy="most_frequent")),
                ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]
        )
        parts.append(("categorical", onehot, categorical))
    transformer = ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)
    if not scale:
        return transformer
    return Pipeline([("encode", transformer), ("scale", StandardScaler())])


def _encoded_names(encoder: Any) -> tuple[list[str], list[int], list[bool]]:
    """Readable names of the encoded features, their original column index, dummy or not."""
    transformer = encoder.steps[0][1] if hasattr(encoder, "steps") else encoder
    columns = list(transformer.feature_names_in_)
    names, origin, dummy = [], [], []
    for name, fitted, selected in transformer.transformers_:
        if name == "numeric":
            names += list(selected)
            origin += [columns.index(c) for c in selected]
            dummy += [False] * len(selected)
        elif name == "categorical":
            onehot = fitted.named_steps["onehot"]
            for column, categories in zip(selected, onehot.categories_):
                names += [f"{column} = {category}" for category in categories]
                origin += [columns.index(column)] * len(categories)
                dummy += [True] * len(categories)
    return names, origin, dummy


# -- fitting ---------------------------------------------------------------------------
def _fit_tree(
    Z: np.ndarray, y: np.ndarray, used: str, max_depth: int, seed: int
) -> tuple[Any, dict[str, Any], list[str]]:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    min_leaf = max(1, math.floor(0.01 * len(Z) + 0.5))
    cls = DecisionTreeClassifier if used == "label" else DecisionTreeRegressor
    tree = cls(max_depth=max_depth, min_samples_leaf=min_leaf, random_state=seed).fit(Z, y)
    diagnostics = {
        "n_leaves": int(tree.get_n_leaves()),
        "depth": int(tree.get_depth()),
        "min_samples_leaf": min_leaf,
    }
    return tree, diagnostics, []


def _logistic(C: float, solver: str, seed: int) -> Any:
    """An L1 LogisticRegression on any scikit-learn >= 1.4 (``penalty`` is deprecated);
    seeded, since the saga solver visits the rows in a random order."""
    from sklearn.linear_model import LogisticRegression

    options: dict[str, Any] = {"C": C, "solver": solver, "max_iter": 5000, "tol": 1e-4,
                               "random_state": seed}  # fmt: skip
    if inspect.signature(LogisticRegression).parameters["penalty"].default == "deprecated":
        options["l1_ratio"] = 1.0
    else:
        options["penalty"] = "l1"
    return LogisticRegression(**options)


def _fit_linear(
    Z: np.ndarray, y: np.ndarray, used: str, alpha: float | None, seed: int
) -> tuple[Any, dict[str, Any], list[str]]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso

    if used == "label":
        n_classes = len(np.unique(y))
        if n_classes < 2:
            raise DataError(
                "the model predicts one class for every training row, which a logistic "
                "surrogate cannot imitate; use kind='tree' or target='proba'"
            )
        alpha = LOGISTIC_ALPHA if alpha is None else alpha
        solver = "liblinear" if n_classes == 2 else "saga"
        estimator = _logistic(1.0 / (alpha * len(Z)), solver, seed)
    else:
        if alpha is None:
            spread = float(np.mean(np.std(y, axis=0)))
            alpha = LASSO_ALPHA * spread if spread > 0 else LASSO_ALPHA
        estimator = Lasso(alpha=alpha, max_iter=20_000, tol=1e-6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        estimator.fit(Z, y)
    messages = []
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        messages.append(
            "the linear surrogate's solver stopped before converging: its coefficients are "
            "approximate; a larger alpha makes the problem easier"
        )
    coef = np.atleast_2d(estimator.coef_)
    diagnostics = {"n_nonzero": int((np.abs(coef) > 0).any(axis=0).sum()), "alpha": alpha}
    return estimator, diagnostics, messages


# -- fidelity --------------------------------------------------------------------------
def _fidelity(metric: str, truth: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    if metric == "agreement":
        return float(np.mean(np.asarray(truth) == np.asarray(predicted)))
    return float(r2_score(truth, predicted, multioutput="uniform_average"))


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def _fidelity_warnings(
    metric: str, fidelity: float, train: float, threshold: float, kind: str, max_depth: int
) -> list[str]:
    messages = []
    if fidelity < threshold:
        if metric == "agreement":
            found = (
                f"the surrogate reproduces only {_percent(fidelity)} of the model's "
                f"predictions on held-out rows (threshold {_percent(threshold)})"
            )
        else:
            share = "none" if fidelity <= 0 else f"only {_percent(fidelity)}"
            found = (
                f"the surrogate explains {share} of the variation in the model's "
                f"predictions on held-out rows (R² {fidelity:.2f}, threshold "
                f"{threshold:.2f})"
            )
        if kind == "tree":
            advice = f"raise max_depth (now {max_depth}) or trust the other methods more"
        else:
            advice = "the model is far from linear here: try kind='tree' or trust the "
            advice += "other methods more"
        messages.append(f"{found}: its rules describe a different model; {advice}")
    if train - fidelity > OVERFIT_GAP:
        messages.append(
            f"the surrogate imitates the model much better on its training rows "
            f"({train:.2f}) than on held-out rows ({fidelity:.2f}): it overfits; "
            "lower max_depth or explain more rows"
        )
    return messages


# -- results ---------------------------------------------------------------------------
def _strings(items: list[str]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = list(items)
    return array


def _text(value: str) -> np.ndarray:
    array = np.empty((), dtype=object)
    array[()] = value
    return array


def _number(value: float) -> str:
    return f"{value:.4g}"


def _per_column(weights: np.ndarray, origin: list[int], n_columns: int) -> np.ndarray:
    """Sum encoded-feature weights per original column; normalise to sum 1 (or all 0)."""
    values = np.zeros(n_columns)
    np.add.at(values, np.asarray(origin, dtype=int), weights)
    total = values.sum()
    return values / total if total > 0 else values


def _tree_result(
    tree: Any,
    names: list[str],
    origin: list[int],
    dummy: list[bool],
    columns: list[str],
    used: str,
    class_names: list[str],
) -> tuple[np.ndarray, dict[str, Any]]:
    structure = tree.tree_
    leaf = structure.children_left == -1
    feature = [
        "" if is_leaf else names[f] for f, is_leaf in zip(structure.feature.tolist(), leaf.tolist())
    ]
    threshold = np.where(leaf, np.nan, structure.threshold)
    raw = structure.value  # (n_nodes, n_outputs, n_classes or 1)
    if used == "label":
        tree_classes = [class_names[int(c)] for c in tree.classes_]
        value = _strings([tree_classes[i] for i in raw[:, 0, :].argmax(axis=1)])
        outputs = tree_classes
    elif used == "proba":
        value, outputs = raw[:, :, 0].astype(float), list(class_names)
    else:
        value, outputs = raw[:, 0, 0].astype(float), ["prediction"]
    samples = structure.n_node_samples.astype(np.int64)
    split_on_dummy = [not is_leaf and dummy[f] for f, is_leaf in zip(structure.feature, leaf)]
    lines: list[str] = []

    def leaf_text(node: int) -> str:
        if used == "label":
            return f"class: {value[node]} ({samples[node]} rows)"
        numbers = ", ".join(_number(v) for v in np.atleast_1d(value[node]))
        return f"value: [{numbers}] ({samples[node]} rows)"

    def walk(node: int, depth: int) -> None:
        indent = "|   " * depth + "|--- "
        if leaf[node]:
            lines.append(indent + leaf_text(node))
            return
        name = feature[node]
        if split_on_dummy[node]:
            left, right = name.replace(" = ", " ≠ ", 1), name
        else:
            cut = _number(threshold[node])
            left, right = f"{name} <= {cut}", f"{name} >  {cut}"
        lines.append(indent + left)
        walk(int(structure.children_left[node]), depth + 1)
        lines.append(indent + right)
        walk(int(structure.children_right[node]), depth + 1)

    walk(0, 0)
    values = _per_column(tree.feature_importances_, origin, len(columns))
    arrays = {
        "rules": _text("\n".join(lines) + "\n"),
        "surrogate_outputs": _strings(outputs),
        "tree_feature": _strings(feature),
        "tree_threshold": threshold.astype(float),
        "tree_left": structure.children_left.astype(np.int64),
        "tree_right": structure.children_right.astype(np.int64),
        "tree_value": value,
        "tree_samples": samples,
    }
    return values, arrays


def _linear_result(
    estimator: Any,
    encoder: Any,
    names: list[str],
    origin: list[int],
    dummy: list[bool],
    columns: list[str],
    used: str,
    class_names: list[str],
) -> tuple[np.ndarray, dict[str, Any]]:
    scaler = encoder.named_steps["scale"]
    scaled = np.atleast_2d(estimator.coef_).astype(float)
    coefficients = scaled / scaler.scale_
    intercept = np.atleast_1d(estimator.intercept_).astype(float)
    intercept = intercept - coefficients @ scaler.mean_
    if used == "label":
        present = [class_names[int(c)] for c in estimator.classes_]
        if len(present) == 2:
            outputs = [present[1]]
            heads = [f"log-odds(class = {present[1]})"]
        else:
            outputs = present
            heads = [f"score(class = {c})" for c in present]
    elif used == "proba":
        outputs = list(class_names)
        heads = [f"P(class = {c})" for c in class_names]
    else:
        outputs, heads = ["prediction"], ["prediction"]

    order = np.argsort(-np.abs(scaled), axis=1, kind="stable")
    lines = []
    for k, head in enumerate(heads):
        terms = [_number(intercept[k])]
        for j in order[k]:
            if scaled[k, j] == 0:
                continue
            sign = "−" if coefficients[k, j] < 0 else "+"
            feature = f"[{names[j]}]" if dummy[j] else names[j]
            terms.append(f"{sign} {_number(abs(coefficients[k, j]))} × {feature}")
        lines.append(f"{head} = " + " ".join(terms))
    if used == "label" and len(outputs) > 2:
        lines.append("(the class with the highest score is predicted)")

    direction = np.full(len(columns), np.nan)
    single = scaled.shape[0] == 1 or (used == "proba" and len(class_names) == 2)
    if single:
        for j, (k, is_dummy) in enumerate(zip(origin, dummy)):
            if not is_dummy:
                direction[k] = float(np.sign(scaled[-1, j]))
    values = _per_column(np.abs(scaled).sum(axis=0), origin, len(columns))
    arrays = {
        "rules": _text("\n".join(lines) + "\n"),
        "surrogate_outputs": _strings(outputs),
        "coefficients": coefficients,
        "scaled_coefficients": scaled,
        "intercept": intercept,
        "direction": direction,
    }
    return values, arrays
