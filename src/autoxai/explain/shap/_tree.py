"""Exact TreeSHAP for scikit-learn trees and tree ensembles, vectorised over rows.

A tree's prediction is a sum over its leaves of ``value(leaf) * [x reaches leaf]``, and
the indicator is a product over the distinct features ``j`` tested on the root-to-leaf
path of "does ``x_j`` satisfy every test on ``j`` along the path" (an interval, plus the
tree's rule for missing values). Every SHAP value function of interest keeps this
product form once features are removed (Lundberg et al. 2020):

* **path-dependent** (no background): a removed feature's factor becomes ``z_j``, the
  fraction of the training cover that follows the path's tests on ``j`` (the product of
  the ``weighted_n_node_samples`` ratios of those edges) — the "EXPVALUE" recursion of
  Lundberg et al.'s Algorithm 1, whose Shapley values their Algorithm 2 computes;
* **interventional** (a background table): a removed feature's factor becomes
  ``c_j(b)``, whether background row ``b`` satisfies the tests, averaged over ``b``.

The Shapley value of a product game has a closed form. With ``a_j in {0, 1}`` whether
the explained row satisfies the tests on ``j``, the leaf gives feature ``j``

    ``value * (a_j - z_j) * integral_0^1 prod_{k != j} (z_k (1 - t) + a_k t) dt``

(the Shapley weights ``|S|! (d - |S| - 1)! / d!`` are Beta integrals; this is the
polynomial view of Linear TreeSHAP, Yu et al. 2022). The integrand is a polynomial of
degree ``d - 1``, so Gauss-Legendre quadrature with ``d // 2 + 1`` nodes computes it
*exactly* (up to float rounding). For the interventional game the factors are 0/1 and
the integral reduces to the classical counts ``(n_A - 1)! n_C! / (n_A + n_C)!``.

Speed comes from two observations. First, a leaf's weights depend on the row only
through the bit pattern ``a`` of its ``d`` path features, so for leaves with few
distinct features (``2^d`` below the number of rows) all ``2^d`` patterns are tabulated
once and each row *looks up* its pattern — the idea of Fast TreeSHAP v2 (Yang 2021);
for the others the weights are computed from the rows' own patterns directly. Second,
every step is a numpy operation over all rows and a block of leaves of every tree at
once (leaves grouped by ``d``), and the scatter of leaf weights onto features is one
matrix product. Nothing loops over rows, trees or nodes in Python.

References
----------
Lundberg, S. M., Erion, G., Chen, H., DeGrave, A., Prutkin, J. M., Nair, B., Katz, R.,
Himmelfarb, J., Bansal, N., & Lee, S.-I. (2020). From local explanations to global
understanding with explainable AI for trees. Nature Machine Intelligence, 2(1), 56-67.

Yang, J. (2021). Fast TreeSHAP: Accelerating SHAP value computation for trees.
arXiv:2109.09847.

Yu, P., Bifet, A., Read, J., & Xu, C. (2022). Linear TreeShap. Advances in Neural
Information Processing Systems 35.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from autoxai.exceptions import DataError, ParameterTypeError

__all__ = ["supports_tree", "tree_shap"]

#: Elements per temporary array (16 MB of float64): leaves and rows are processed in
#: blocks that keep every intermediate below this size.
_BUDGET = 1 << 21

#: At most this many bit patterns are tabulated per leaf (``d <= 14`` distinct features).
_MAX_TABLE = 1 << 14

#: Above this many outputs times features the leaf-to-feature scatter is a sparse matrix.
_DENSE_SCATTER = 256


def _tree_classes() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    from sklearn import ensemble, tree

    single = (tree.DecisionTreeRegressor, tree.DecisionTreeClassifier)
    forests = (ensemble.RandomForestRegressor, ensemble.RandomForestClassifier,
               ensemble.ExtraTreesRegressor, ensemble.ExtraTreesClassifier)  # fmt: skip
    boosting = (ensemble.GradientBoostingRegressor, ensemble.GradientBoostingClassifier)
    return single, forests, boosting


def _is_fitted(estimator: Any) -> bool:
    return hasattr(estimator, "tree_") or hasattr(estimator, "estimators_")


def supports_tree(estimator: Any) -> bool:
    """True for a fitted scikit-learn tree model that :func:`tree_shap` explains exactly.

    DecisionTree, RandomForest and ExtraTrees regressors and classifiers (single-output
    classifiers; regressors may have several outputs) and GradientBoosting regressors and
    classifiers (binary and multiclass) whose ``init`` is the default prior or
    ``"zero"`` — a user-supplied ``init`` estimator is not a tree.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from sklearn.svm import SVR
    >>> model = DecisionTreeRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
    >>> supports_tree(model), supports_tree(DecisionTreeRegressor()), supports_tree(SVR())
    (True, False, False)
    """
    single, forests, boosting = _tree_classes()
    if not isinstance(estimator, single + forests + boosting) or not _is_fitted(estimator):
        return False
    if isinstance(estimator, boosting):
        init = estimator.init
        return init is None or (isinstance(init, str) and init == "zero")
    return not (hasattr(estimator, "classes_") and getattr(estimator, "n_outputs_", 1) != 1)


# -- the forest as a flat list of leaves ---------------------------------------------------


@dataclass
class _Leaves:
    """Every leaf (with at least one split above it) of every tree, sorted by ``d``.

    ``values[l]`` is the leaf's contribution to each output (already scaled: 1/n_trees
    for a forest, the learning rate for boosting). The path summary of leaf ``l`` is
    ``d[l]`` segments of the flat arrays, one per distinct feature on its path: the
    feature, the interval ``(lower, upper]`` the path's tests allow, whether a missing
    value follows the path (``nan_ok``) and the cover fraction ``z`` of the tests.
    ``groups`` lists ``(d, leaf slice, segment slice)`` for each distinct ``d``.
    """

    values: np.ndarray
    feature: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    nan_ok: np.ndarray
    cover: np.ndarray
    lower32: np.ndarray
    upper32: np.ndarray
    groups: list[tuple[int, slice, slice]]
    constant: np.ndarray  # outputs of split-free trees (plus the boosting offset)


def _trees(estimator: Any) -> tuple[list[tuple[Any, np.ndarray, np.ndarray]], int, str]:
    """``(tree_, leaf values (n_nodes, k) scaled, output columns (k,))`` per tree."""
    single, _, boosting = _tree_classes()
    classifier = hasattr(estimator, "classes_")
    if isinstance(estimator, boosting):
        rate = float(estimator.learning_rate)
        n_out = estimator.estimators_.shape[1]
        trees = [
            (est.tree_, est.tree_.value[:, 0, :1] * rate, np.array([k]))
            for stage in estimator.estimators_
            for k, est in enumerate(stage)
        ]
        return trees, n_out, "margin" if classifier else "prediction"
    members = [estimator] if isinstance(estimator, single) else list(estimator.estimators_)
    scale = 1.0 / len(members)
    trees = []
    for member in members:
        t = member.tree_
        if classifier:  # predict_proba: the leaf's class fractions
            value = t.value[:, 0, :]
            value = value / value.sum(axis=1, keepdims=True)
        else:
            value = t.value[:, :, 0]
        trees.append((t, value * scale, np.arange(value.shape[1])))
    n_out = trees[0][1].shape[1]
    return trees, n_out, "probability" if classifier else "prediction"


def _extract(trees: list[tuple[Any, np.ndarray, np.ndarray]], n_out: int) -> _Leaves:
    """Summarise every root-to-leaf path of every tree (vectorised over all nodes)."""
    sizes = np.array([t.node_count for t, _, _ in trees])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    n_nodes = int(sizes.sum())
    left = np.concatenate([t.children_left for t, _, _ in trees]).astype(np.intp)
    right = np.concatenate([t.children_right for t, _, _ in trees]).astype(np.intp)
    node_offset = np.repeat(offsets, sizes)
    internal = left >= 0
    left[internal] += node_offset[internal]
    right[internal] += node_offset[internal]
    feature = np.concatenate([t.feature for t, _, _ in trees]).astype(np.intp)
    threshold = np.concatenate([t.threshold for t, _, _ in trees])
    missing_left = np.concatenate(
        [getattr(t, "missing_go_to_left", np.zeros(t.node_count, np.uint8)) for t, _, _ in trees]
    ).astype(bool)
    cover = np.concatenate([t.weighted_n_node_samples for t, _, _ in trees]).astype(float)
    values = np.zeros((n_nodes, n_out))
    for (_, value, columns), start, size in zip(trees, offsets, sizes):
        values[start : start + size, columns] = value

    parent = np.full(n_nodes, -1, dtype=np.intp)
    nodes = np.flatnonzero(internal)
    parent[left[nodes]] = nodes
    parent[right[nodes]] = nodes
    went_left = np.zeros(n_nodes, dtype=bool)
    went_left[left[nodes]] = True

    leaves = np.flatnonzero(~internal)
    e_leaf, e_child = _path_edges(parent, leaves)
    e_node = parent[e_child]
    e_feature = feature[e_node]
    e_left = went_left[e_child]
    e_threshold = threshold[e_node]
    # Edge tests: left means x <= threshold, right means x > threshold.
    e_lower = np.where(e_left, -np.inf, e_threshold)
    e_upper = np.where(e_left, e_threshold, np.inf)
    e_nan = (e_left == missing_left[e_node]).astype(np.uint8)
    e_ratio = cover[e_child] / cover[e_node]

    order = np.lexsort((e_feature, e_leaf))
    e_leaf, e_feature = e_leaf[order], e_feature[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (e_leaf[1:] != e_leaf[:-1]) | (e_feature[1:] != e_feature[:-1])
    starts = np.flatnonzero(first)
    seg_leaf, seg_feature = e_leaf[starts], e_feature[starts]
    seg_lower = np.maximum.reduceat(e_lower[order], starts) if starts.size else e_lower
    seg_upper = np.minimum.reduceat(e_upper[order], starts) if starts.size else e_upper
    seg_nan = np.minimum.reduceat(e_nan[order], starts) if starts.size else e_nan
    seg_cover = np.multiply.reduceat(e_ratio[order], starts) if starts.size else e_ratio

    d = np.bincount(seg_leaf, minlength=len(leaves))
    leaf_values = values[leaves]
    constant = leaf_values[d == 0].sum(axis=0)
    by_d = np.argsort(d, kind="stable")
    by_d = by_d[d[by_d] > 0]
    seg_start = np.concatenate([[0], np.cumsum(d)[:-1]])
    sorted_d = d[by_d]
    new_start = np.concatenate([[0], np.cumsum(sorted_d)[:-1]])
    segments = np.repeat(seg_start[by_d] - new_start, sorted_d) + np.arange(sorted_d.sum())

    groups = []
    distinct, first_leaf, counts = np.unique(sorted_d, return_index=True, return_counts=True)
    for value, start, count in zip(distinct.tolist(), first_leaf.tolist(), counts.tolist()):
        seg0 = int(new_start[start])
        groups.append((value, slice(start, start + count), slice(seg0, seg0 + value * count)))
    return _Leaves(
        values=leaf_values[by_d],
        feature=seg_feature[segments],
        lower=seg_lower[segments],
        upper=seg_upper[segments],
        lower32=_down32(seg_lower[segments]),
        upper32=_down32(seg_upper[segments]),
        nan_ok=seg_nan[segments].astype(bool),
        cover=seg_cover[segments],
        groups=groups,
        constant=constant,
    )


def _path_edges(parent: np.ndarray, leaves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every edge on every leaf's path to its root: the leaf's index and the edge's child.

    All leaves are walked up at once, one level per step (an edge is named by its lower
    node; ``parent`` is -1 at a root).
    """
    edge_leaf, edge_child = [], []
    leaf_id, current = np.arange(len(leaves)), leaves
    while current.size:
        up = parent[current]
        keep = up >= 0
        leaf_id, current = leaf_id[keep], current[keep]
        edge_leaf.append(leaf_id)
        edge_child.append(current)
        current = up[keep]
    return np.concatenate(edge_leaf), np.concatenate(edge_child)


def _leaf_sum(leaves: _Leaves, row: np.ndarray) -> np.ndarray:
    """The trees' summed output for one (float32-rounded) row, from the leaf list."""
    x = row[leaves.feature]
    inside = ((x > leaves.lower) & (x <= leaves.upper)) | (np.isnan(x) & leaves.nan_ok)
    total = leaves.constant.copy()
    for d, leaf_slice, seg_slice in leaves.groups:
        reached = inside[seg_slice].reshape(-1, d).all(axis=1)
        total += reached @ leaves.values[leaf_slice]
    return total


# -- the Shapley weights of one leaf's product game ---------------------------------------


def _gauss(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1], exact for polynomials of degree < d+2."""
    nodes, weights = np.polynomial.legendre.leggauss(d // 2 + 1)
    return (nodes + 1.0) / 2.0, weights / 2.0


def _path_weights(z: np.ndarray, a: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``(a_j - z_j) * integral prod_{k != j} (z_k (1 - t) + a_k t) dt`` along axis 0.

    ``z`` and ``a`` (feature axis first, so every step below works on one contiguous
    block) broadcast against each other. The product leaving out ``j`` is a prefix times
    a suffix product: no division, so zero covers are harmless.
    """
    z, a = np.broadcast_arrays(z, a)
    d = a.shape[0]
    factor = z[..., None] * (1.0 - t) + a[..., None] * t  # (d, ..., Q)
    product = np.empty_like(factor)
    product[0] = 1.0
    for k in range(1, d):
        np.multiply(product[k - 1], factor[k - 1], out=product[k])
    suffix = factor[d - 1].copy()
    for k in range(d - 2, -1, -1):
        product[k] *= suffix
        if k:
            suffix *= factor[k]
    return (product @ w) * (a - z)


def _path_table(z: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """:func:`_path_weights` for every bit pattern ``a`` at once: shape (C, 2^d, d).

    Pattern ``a`` has bit ``k`` = ``a_k``. Leaving out position ``k``, the product is
    (product over the bits below ``k``) x (product over the bits above ``k``): there
    are only ``2^k`` and ``2^(d-k-1)`` of those, built by doubling, and the quadrature
    sum of their outer product is one small matrix product per position.
    """
    n_leaves, d = z.shape
    cold = z[:, :, None] * (1.0 - t)  # factor of a feature the row fails: (C, d, Q)
    hot = cold + t  # ... and of one it passes
    below = [np.ones((n_leaves, 1, len(t)))]  # below[k]: (C, 2^k, Q), index = low bits
    for k in range(d - 1):
        below.append(np.concatenate([below[-1] * cold[:, k, None], below[-1] * hot[:, k, None]], 1))
    above = [np.ones((n_leaves, 1, len(t)))]  # above[k] for k = d-1, d-2, ...: high bits
    for k in range(d - 1, 0, -1):
        pair = np.stack([above[-1] * cold[:, k, None], above[-1] * hot[:, k, None]], axis=2)
        above.append(pair.reshape(n_leaves, -1, len(t)))
    above.reverse()
    table = np.empty((n_leaves, 2**d, d))
    for k in range(d):
        integral = (above[k] * w) @ np.swapaxes(below[k], 1, 2)  # (C, 2^(d-k-1), 2^k)
        view = table.reshape(n_leaves, 2 ** (d - k - 1), 2, 2**k, d)
        view[:, :, 0, :, k] = -z[:, k, None, None] * integral
        view[:, :, 1, :, k] = (1.0 - z[:, k, None, None]) * integral
    return table


def _count_weights(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Shapley weights of "needs all of A from x and all of C from b", by ``(|A|, |C|)``.

    Flat tables indexed by ``|A| * (d + 1) + |C|``, with one extra zero slot at the end
    for pairs where some feature is satisfied by neither row (the leaf is never reached).
    """
    table_a = np.zeros((d + 1) * (d + 1) + 1)
    table_c = np.zeros_like(table_a)
    for n_a in range(d + 1):
        for n_c in range(d + 1 - n_a):
            n = n_a + n_c
            if n_a:
                table_a[n_a * (d + 1) + n_c] = 1.0 / (n * math.comb(n - 1, n_a - 1))
            if n_c:
                table_c[n_a * (d + 1) + n_c] = 1.0 / (n * math.comb(n - 1, n_c - 1))
    return table_a, table_c


def _interventional_weights(a: np.ndarray, c: np.ndarray, tables) -> np.ndarray:
    """Mean over background rows of the leaf game's Shapley weights.

    ``a``: (C or 1, n_q, d) query patterns; ``c``: (C, n_b, d) background patterns, 0/1
    floats. Feature ``j`` is in ``A`` (needed from ``x``) when ``a_j = 1, c_j = 0`` and
    in ``C`` (needed from ``b``) when ``a_j = 0, c_j = 1``; the leaf is dead when some
    feature is satisfied by neither.
    """
    table_a, table_c = tables
    d = a.shape[-1]
    c_t = np.swapaxes(c, 1, 2)
    not_a, not_c_t = 1.0 - a, 1.0 - c_t
    key = (a @ not_c_t) * (d + 1) + not_a @ c_t  # (C, n_q, n_b), exact small integers
    key = key.astype(np.intp)
    key[(not_a @ not_c_t) > 0.5] = len(table_a) - 1
    weight = a * (table_a[key] @ (1.0 - c)) - not_a * (table_c[key] @ c)
    return weight / c.shape[1]


# -- the driver ------------------------------------------------------------------------------


def _as_matrix(X: Any, name: str, n_features: int) -> np.ndarray:
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a numeric 2-D array: {exc}") from exc
    if array.ndim != 2 or array.shape[0] == 0:
        raise DataError(f"{name} must be a non-empty 2-D array, got shape {array.shape}")
    if array.shape[1] != n_features:
        raise DataError(
            f"{name} has {array.shape[1]} columns but the model was fitted on {n_features}"
        )
    with np.errstate(over="ignore"):
        rounded = array.astype(np.float32)  # what scikit-learn's trees compare
    if np.isinf(rounded).any():
        raise DataError(f"{name} contains infinity or a value too large for float32")
    return rounded.astype(np.float64)


def _call(method: Any, estimator: Any, rows: np.ndarray) -> np.ndarray:
    """``method(rows)``, with the column names the estimator was fitted with (if any)."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        import pandas as pd

        rows = pd.DataFrame(rows, columns=names)
    return np.asarray(method(rows), dtype=float)


def _check_missing(estimator: Any, array: np.ndarray, name: str) -> None:
    rows = np.flatnonzero(np.isnan(array).any(axis=1))
    if rows.size:
        try:
            _call(estimator.predict, estimator, array[rows[:5]])
        except ValueError as exc:
            raise DataError(
                f"{name} has missing values (NaN) and {type(estimator).__name__} does not "
                "accept them: impute them first"
            ) from exc


def _scatter(feature: np.ndarray, values: np.ndarray, n_features: int):
    """Matrix taking leaf-and-position weights to ``(feature, output)`` columns."""
    n_leaves, d = feature.shape
    n_out = values.shape[1]
    rows = np.repeat(np.arange(n_leaves * d), n_out)
    cols = (feature.reshape(-1, 1) * n_out + np.arange(n_out)).ravel()
    data = np.repeat(values, d, axis=0).ravel()
    shape = (n_leaves * d, n_features * n_out)
    if n_features * n_out <= _DENSE_SCATTER:
        matrix = np.zeros(shape)
        matrix[rows, cols] = data
        return matrix
    from scipy import sparse

    keep = data != 0
    return sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=shape)


def _tests(xt: np.ndarray, leaves: _Leaves, seg: slice, d: int, has_nan: bool) -> np.ndarray:
    """(d, n_leaves, n_rows) booleans: does each row pass each leaf's tests on feature j.

    ``xt`` is the data transposed (features x rows, float32), so each test gathers whole
    contiguous rows of it.
    """
    feature = leaves.feature[seg].reshape(-1, d)
    lower = leaves.lower32[seg].reshape(-1, d)
    upper = leaves.upper32[seg].reshape(-1, d)
    nan_ok = leaves.nan_ok[seg].reshape(-1, d)
    inside = np.empty((d, len(feature), xt.shape[1]), dtype=bool)
    for j in range(d):
        values = xt[feature[:, j]]
        np.greater(values, lower[:, j, None], out=inside[j])
        inside[j] &= values <= upper[:, j, None]
        if has_nan:
            inside[j] |= np.isnan(values) & nan_ok[:, j, None]
    return inside


def _patterns(xt: np.ndarray, leaves: _Leaves, seg: slice, d: int, has_nan: bool) -> np.ndarray:
    """(n_leaves, n_rows) integers: bit ``j`` says whether the row passes test ``j``."""
    feature = leaves.feature[seg].reshape(-1, d)
    lower = leaves.lower32[seg].reshape(-1, d)
    upper = leaves.upper32[seg].reshape(-1, d)
    nan_ok = leaves.nan_ok[seg].reshape(-1, d)
    index = np.zeros((len(feature), xt.shape[1]), dtype=np.intp)
    for j in range(d):
        values = xt[feature[:, j]]
        inside = (values > lower[:, j, None]) & (values <= upper[:, j, None])
        if has_nan:
            inside |= np.isnan(values) & nan_ok[:, j, None]
        index |= inside.astype(np.intp) << j
    return index


def _down32(values: np.ndarray) -> np.ndarray:
    """The largest float32 at or below each value: for a float32 ``x``, ``x <= t`` and
    ``x <= _down32(t)`` agree (so are ``x > t`` and ``x > _down32(t)``)."""
    with np.errstate(over="ignore"):
        rounded = values.astype(np.float32)
    above = rounded.astype(np.float64) > values
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded


def tree_shap(
    estimator: Any, X: np.ndarray, *, background: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """Exact SHAP values of a scikit-learn tree model (TreeSHAP), vectorised over rows.

    Without ``background``: path-dependent TreeSHAP (Lundberg et al. 2020, Algorithm 2)
    — a removed feature is integrated out along the tree with the training cover
    (``weighted_n_node_samples``) as its conditional distribution; the base value is the
    cover-weighted mean of the leaves. With ``background``: interventional TreeSHAP —
    the exact Shapley values of ``E_b[f(x_S, b_rest)]`` over the background rows
    ("independent" TreeSHAP); the base value is the mean output over the background.
    See the module docstring for the algorithm.

    Parameters
    ----------
    estimator : fitted scikit-learn tree model
        One of the models :func:`supports_tree` accepts.
    X : ndarray of shape (n_rows, n_features)
        The rows to explain, in the features the estimator sees.
    background : ndarray of shape (n_background, n_features), optional
        Rows that stand in for a removed feature (interventional SHAP). Its cost grows
        with its size: a few dozen to a hundred rows is typical.

    Returns
    -------
    base_value : ndarray of shape (n_outputs,)
    values : ndarray of shape (n_outputs, n_rows, n_features)
        ``base_value + values.sum(axis=2)`` equals the model's output for each row.
    output_space : {"probability", "prediction", "margin"}
        What is explained: class probabilities (``predict_proba``) of DecisionTree,
        RandomForest and ExtraTrees classifiers (one output per class), the
        ``predict`` of regressors (one output per target) and the ``decision_function``
        of GradientBoosting classifiers (log-odds: one output for a binary model, one
        per class otherwise).

    Raises
    ------
    ParameterTypeError
        If the estimator is not a supported tree model.
    DataError
        If it is not fitted, or ``X`` / ``background`` do not fit it.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> model = DecisionTreeRegressor().fit(X, X[:, 0] + 2 * X[:, 1])
    >>> base, values, space = tree_shap(model, X)
    >>> base.tolist(), values[0, 3].tolist(), space
    ([1.5], [0.5, 1.0], 'prediction')
    """
    single, forests, boosting = _tree_classes()
    if not isinstance(estimator, single + forests + boosting):
        raise ParameterTypeError(
            "tree_shap explains scikit-learn DecisionTree, RandomForest, ExtraTrees and "
            f"GradientBoosting models, got {type(estimator).__name__}"
        )
    if not _is_fitted(estimator):
        raise DataError(
            f"the model ({type(estimator).__name__}) is not fitted: fit it before explaining"
        )
    if not supports_tree(estimator):
        raise ParameterTypeError(
            f"this {type(estimator).__name__} is not supported by tree_shap (a "
            "multi-output classifier, or gradient boosting with a custom init estimator)"
        )
    n_features = int(estimator.n_features_in_)
    x = _as_matrix(X, "X", n_features)
    _check_missing(estimator, x, "X")
    b = None
    if background is not None:
        b = _as_matrix(background, "background", n_features)
        _check_missing(estimator, b, "background")

    trees, n_out, output_space = _trees(estimator)
    leaves = _extract(trees, n_out)
    if isinstance(estimator, boosting):  # the constant init score, read off one row
        raw = estimator.decision_function if output_space == "margin" else estimator.predict
        offset = _call(raw, estimator, x[:1]).reshape(-1) - _leaf_sum(leaves, x[0])
        leaves.constant = leaves.constant + offset

    # The matrix products here are thin (a few dozen columns): BLAS threads gain little
    # on them and cost a lot when the machine is busy, so they run single-threaded.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        base, values = _shap(leaves, x, b, n_features, n_out)
    return base, values, output_space


def _shap(
    leaves: _Leaves, x: np.ndarray, b: np.ndarray | None, n_features: int, n_out: int
) -> tuple[np.ndarray, np.ndarray]:
    n_rows = len(x)
    xt = np.ascontiguousarray(x.T, dtype=np.float32)
    x_nan = bool(np.isnan(x).any())
    if b is not None:
        bt = np.ascontiguousarray(b.T, dtype=np.float32)
        b_nan = bool(np.isnan(b).any())
    total = np.zeros((n_rows, n_features * n_out))
    base = leaves.constant.astype(float).copy()
    for d, leaf_slice, seg_slice in leaves.groups:
        n_leaves = leaf_slice.stop - leaf_slice.start
        # Tabulate all 2^d patterns when that is no more work than the rows' own (and,
        # with a background, when one leaf's table of pattern x background pairs fits).
        table = 2**d <= min(n_rows, _MAX_TABLE)
        if b is not None:
            table = table and 2**d * (3 * len(b) + d) <= _BUDGET
        n_q = 2**d if table else 0
        t, w = _gauss(d)
        q = len(t)
        if b is None:
            per_leaf = n_q * d * 4
            per_row_leaf = d * 3 if table else d * q * 4
        else:
            per_leaf = n_q * (len(b) * 3 + d)
            per_row_leaf = d * 3 if table else len(b) * 3 + d
            tables = _count_weights(d)
        block = min(n_rows, 1024) * per_row_leaf
        chunk = max(1, min(n_leaves, _BUDGET // max(per_leaf, block, 1)))
        rows = max(1, _BUDGET // (chunk * per_row_leaf))
        patterns = ((np.arange(n_q)[:, None] >> np.arange(d)) & 1).astype(float)
        for first in range(leaf_slice.start, leaf_slice.stop, chunk):
            last = min(first + chunk, leaf_slice.stop)
            seg = slice(
                seg_slice.start + (first - leaf_slice.start) * d,
                seg_slice.start + (last - leaf_slice.start) * d,
            )
            z = leaves.cover[seg].reshape(-1, d)
            value = leaves.values[first:last]
            scatter = _scatter(leaves.feature[seg].reshape(-1, d), value, n_features)
            if b is None:
                base += z.prod(axis=1) @ value
                weights = _path_table(z, t, w) if table else None
            else:  # the background rows' patterns, (C, n_b, d)
                c = _tests(bt, leaves, seg, d, b_nan).transpose(1, 2, 0).astype(float)
                base += c.all(axis=2).mean(axis=1) @ value
                weights = _interventional_weights(patterns[None], c, tables) if table else None
            offsets = np.arange(last - first)[:, None] * n_q
            for r0 in range(0, n_rows, rows):
                r1 = min(r0 + rows, n_rows)
                if table:
                    index = _patterns(xt[:, r0:r1], leaves, seg, d, x_nan) + offsets
                    gathered = np.take(weights.reshape(-1, d), index.T, axis=0)
                elif b is None:
                    inside = _tests(xt[:, r0:r1], leaves, seg, d, x_nan)
                    gathered = _path_weights(z.T[:, :, None], inside, t, w).transpose(2, 1, 0)
                else:
                    inside = _tests(xt[:, r0:r1], leaves, seg, d, x_nan)
                    a = inside.transpose(1, 2, 0).astype(float)
                    gathered = _interventional_weights(a, c, tables).transpose(1, 0, 2)
                total[r0:r1] += gathered.reshape(r1 - r0, -1) @ scatter
    values = total.reshape(n_rows, n_features, n_out).transpose(2, 0, 1)
    return base, np.ascontiguousarray(values)
