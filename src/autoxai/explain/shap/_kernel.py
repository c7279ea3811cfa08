"""Model-agnostic Kernel SHAP on the user's original columns (Lundberg & Lee, 2017).

The game: for a row ``x`` and a set ``S`` of columns, ``v(S)`` is the model's output
averaged over the background rows ``b`` with the columns outside ``S`` taken from ``b``
(the *interventional* value function, Janzing et al. 2020; the columns are "removed" by
marginalising them over the background, independently of the columns kept). The SHAP
value of column ``i`` is its Shapley value in that game, so for every row
``base + sum(values) == f(x)`` with ``base = v({}) = mean_b f(b)``.

Two ways to compute it, per row:

* **exact** when the row has at most ``max_exact`` columns that matter (see below):
  ``v`` is evaluated on all ``2^M`` coalitions and the Shapley formula
  ``phi_i = sum_S |S|! (M-|S|-1)! / M! * (v(S+i) - v(S))`` is applied as it is;
* **sampled** otherwise: Kernel SHAP's weighted least squares. The coalition sizes
  where the Shapley kernel puts most weight (1 and M-1, then 2 and M-2, ...) are
  enumerated while the budget allows, as SHAP's KernelExplainer does; the remaining
  sizes are drawn from the kernel distribution, each coalition with its complement
  (paired, antithetic sampling; Covert & Lee 2021). The efficiency-constrained problem
  is solved exactly (a KKT system), so the values still add up to ``f(x) - base`` to
  rounding error, and each value gets a standard error (see :func:`kernel_shap`).
  When the budget covers every size the row is solved exactly.

A column whose value in ``x`` equals its value in every background row cannot change
``v``: it is a dummy player with Shapley value exactly 0, and it is left out of that
row's game (a row with few such columns needs exponentially fewer model calls).

All coalitions of a batch of rows are stacked into one table, ``coalitions x
background`` rows per explained row, and the model is called on chunks of
:data:`~autoxai.explain._model.CHUNK_ROWS` rows; each distinct coalition is evaluated
once, however often it was drawn.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int, seed_from
from autoxai.exceptions import DataError, InvalidParameterError
from autoxai.explain._model import CHUNK_ROWS, Predictor

__all__ = ["MAX_BACKGROUND", "default_n_samples", "kernel_shap", "summarise_background"]

#: Background rows used at most. A background the user passes is used as given up to this
#: size; a larger one (and ``X`` when no background is passed) is summarised by a seeded
#: sample of this many rows, without replacement. Every coalition costs one model call per
#: background row, so the cost of Kernel SHAP grows linearly with it; 100 rows estimate
#: ``E_b[f(x_S, b)]`` well for most tables (SHAP's own documentation advises 50-100).
MAX_BACKGROUND = 100


def default_n_samples(n_features: int) -> int:
    """The default number of sampled coalitions: ``2 * n_features + 2048``."""
    return 2 * n_features + 2048


def summarise_background(
    background: pd.DataFrame, random_state: RandomState, *, source: str = "the background"
) -> tuple[pd.DataFrame, str, list[str]]:
    """At most :data:`MAX_BACKGROUND` rows of ``background``: all, or a seeded sample.

    Returns the rows, a sentence saying which rows were used (for
    ``diagnostics["background"]``) and the warnings to add (one when rows were dropped).

    Examples
    --------
    >>> import pandas as pd
    >>> rows, note, warnings = summarise_background(pd.DataFrame({"a": range(500)}), 0)
    >>> len(rows), len(warnings)
    (100, 1)
    """
    n = len(background)
    if n == 0:
        raise DataError("the background has no rows; pass at least one row")
    if n <= MAX_BACKGROUND:
        return background.reset_index(drop=True), f"all {n} rows of {source}", []
    rng = np.random.default_rng(seed_from(random_state))
    rows = np.sort(rng.choice(n, MAX_BACKGROUND, replace=False))
    note = (
        f"{MAX_BACKGROUND} of the {n} rows of {source}, drawn at random without replacement "
        f"(at most MAX_BACKGROUND={MAX_BACKGROUND} are used)"
    )
    warning = (
        f"{source[0].upper()}{source[1:]} has {n} rows; the values use a random sample of "
        f"{MAX_BACKGROUND} of them (seeded by random_state). Pass a background of at most "
        f"{MAX_BACKGROUND} representative rows (e.g. cluster centres) to choose them yourself."
    )
    return background.iloc[rows].reset_index(drop=True), note, [warning]


def kernel_shap(
    predictor: Predictor,
    X_rows: pd.DataFrame,
    background: pd.DataFrame,
    *,
    max_exact: int = 12,
    n_samples: int | None = None,
    random_state: RandomState = None,
    info: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Interventional SHAP values of any model, exact or by Kernel SHAP sampling.

    Parameters
    ----------
    predictor : Predictor
        The model, called on DataFrames of the original columns.
    X_rows : DataFrame
        The rows to explain.
    background : DataFrame
        The rows the removed columns are drawn from, with ``X_rows``' columns; used as
        given (summarise a large one first with :func:`summarise_background`).
    max_exact : int
        A row whose number of non-dummy columns ``M`` is at most this is solved exactly
        from all ``2^M`` coalitions; others are sampled. ``max_exact=0`` samples every
        row with two or more non-dummy columns (a single one gets ``f(x) - base``).
    n_samples : int, optional
        Coalitions per sampled row, enumerated and drawn (rounded up to an even number:
        drawn ones come in pairs); default ``2 * n_features + 2048``. Each distinct
        coalition costs ``len(background)`` model evaluations.
    random_state : int, numpy.random.Generator or None
        Seeds the coalition draws; one child seed per row is drawn before any work, so
        a row's values do not depend on the others.
    info : dict, optional
        Filled with ``n_evaluations`` (rows passed to the model), ``n_exact_rows`` and
        ``n_sampled_rows``.

    Returns
    -------
    base : ndarray of shape (n_outputs,)
        ``mean_b f(b)``.
    values : ndarray of shape (n_outputs, n_rows, n_features)
    std : ndarray of the same shape, or None
        The standard error of each sampled value (0 for exact rows and dummy columns);
        None when every row was exact. It is the delta-method (sandwich) estimate of
        the constrained least-squares solution from the ``P`` independent drawn pairs:
        with ``A_p = (z z' + z̄ z̄') / 2`` and ``b_p = (z (v(z) - v0) + z̄ (v(z̄) - v0)) / 2``
        for pair ``p``, the solution ``phi`` and ``rest`` the kernel mass of the drawn
        sizes, the terms ``r_p = rest (b_p - A_p phi)`` give
        ``Cov(phi) ≈ K Cov(r) K' / P``, ``K`` the upper-left block of the inverse KKT
        matrix (the enumerated coalitions are not random). Covert & Lee (2021) derive
        the estimator's covariance from the same per-sample terms.

    References
    ----------
    S. Lundberg, S.-I. Lee, "A Unified Approach to Interpreting Model Predictions",
    NeurIPS 2017.
    I. Covert, S.-I. Lee, "Improving KernelSHAP: Practical Shapley Value Estimation via
    Linear Regression", AISTATS 2021.
    D. Janzing, L. Minorics, P. Blöbaum, "Feature relevance quantification in
    explainable AI: A causal problem", AISTATS 2020.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from autoxai.explain._model import as_predictor
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.0, 1.0]})
    >>> predictor, frame = as_predictor(lambda d: d["a"] * d["b"], X)
    >>> base, values, std = kernel_shap(predictor, frame.iloc[:1], frame)
    >>> np.allclose(base + values.sum(axis=2)[:, 0], predictor(frame.iloc[:1])[0])
    True
    """
    max_exact = check_int("max_exact", max_exact, minimum=0)
    n_features = X_rows.shape[1]
    if n_samples is None:
        n_samples = default_n_samples(n_features)
    n_samples = check_int("n_samples", n_samples, minimum=2)
    n_samples += n_samples % 2
    columns = list(X_rows.columns)
    if list(background.columns) != columns:
        missing = [c for c in columns if c not in background.columns]
        if missing:
            raise DataError(f"the background lacks column(s): {', '.join(missing[:10])}")
        background = background[columns]
    if len(background) == 0:
        raise DataError("the background has no rows; pass at least one row")
    n_rows, n_bg = len(X_rows), len(background)
    X_rows = X_rows.reset_index(drop=True)
    combined = pd.concat([X_rows, background.reset_index(drop=True)], ignore_index=True)
    for c in columns:  # concat of mismatched dtypes gives object; keep the rows' own dtype
        if combined[c].dtype != X_rows[c].dtype:
            with contextlib.suppress(TypeError, ValueError):
                combined[c] = combined[c].astype(X_rows[c].dtype)

    # A column varies for row i unless x_i's value equals every background row's.
    codes = np.column_stack([pd.factorize(combined[c], use_na_sentinel=False)[0] for c in columns])
    varies = (codes[n_rows:][None, :, :] != codes[:n_rows][:, None, :]).any(axis=1)

    n_evaluations = n_rows + n_bg
    fx = predictor(X_rows)
    base = predictor(background).mean(axis=0)
    n_outputs = fx.shape[1]
    values = np.zeros((n_outputs, n_rows, n_features))
    std = np.zeros((n_outputs, n_rows, n_features))
    seeds = np.random.SeedSequence(seed_from(random_state)).spawn(n_rows)

    # Plan each row's coalitions (as masks over its non-dummy columns), then evaluate
    # them in large stacked batches.
    plans: list[_Plan] = []
    n_exact = n_sampled = 0
    for i in range(n_rows):
        active = np.flatnonzero(varies[i])
        m = len(active)
        if m == 0:
            n_exact += 1
            continue
        if m == 1:
            values[:, i, active[0]] = fx[i] - base
            n_exact += 1
            continue
        if m <= max_exact:
            plans.append(_exact_plan(i, active))
            n_exact += 1
        else:
            plan = _sampled_plan(i, active, n_samples, np.random.default_rng(seeds[i]))
            plans.append(plan)
            if plan.pairs is None:  # every size fitted in the budget: exact after all
                n_exact += 1
            else:
                n_sampled += 1
    n_evaluations += _evaluate(predictor, combined, n_rows, n_bg, plans)

    for plan in plans:
        i = plan.row
        if plan.pairs is None:
            phi = _exact_from_all(plan.v, base)
            values[:, i, plan.active] = phi.T
        else:
            phi, se = _solve_sampled(plan, base, fx[i])
            values[:, i, plan.active] = phi.T
            std[:, i, plan.active] = se.T
    if info is not None:
        info.update(
            n_evaluations=int(n_evaluations), n_exact_rows=n_exact, n_sampled_rows=n_sampled
        )
    return base, values, (std if n_sampled else None)


# -- planning -------------------------------------------------------------------------------


class _Plan:
    """One row's coalitions: ``masks`` (n_coalitions, m) over its ``active`` columns.

    Exact plans hold every non-empty coalition. Sampled plans hold the coalitions of the
    enumerated sizes (``enum``: their indices into ``masks`` and least-squares weights)
    and the drawn ``pairs`` (indices of a coalition and its complement), which stand for
    the ``rest`` of the kernel's mass.
    """

    __slots__ = ("active", "enum", "masks", "pairs", "rest", "row", "v")

    def __init__(self, row: int, active: np.ndarray, masks: np.ndarray) -> None:
        self.row = row
        self.active = active
        self.masks = masks
        self.enum: tuple[np.ndarray, np.ndarray] | None = None
        self.pairs: np.ndarray | None = None  # (P, 2); None for an exact plan
        self.rest = 0.0
        self.v: np.ndarray | None = None  # (n_coalitions, n_outputs) once evaluated


def _exact_plan(row: int, active: np.ndarray) -> _Plan:
    """All coalitions but the empty one (whose value is ``base``).

    The full coalition is evaluated like the others (``B`` copies of ``x``), not taken
    from ``f(x)``: a mean of ``B`` equal numbers need not equal the number to the last
    bit, and a column the model ignores must get exactly 0.
    """
    m = len(active)
    ints = np.arange(1, 2**m)
    masks = ((ints[:, None] >> np.arange(m)) & 1).astype(bool)
    return _Plan(row, active, masks)


def _size_plan(m: int, n_samples: int) -> tuple[list[int], int]:
    """Which coalition sizes to enumerate, and how many pairs to draw for the others.

    Sizes are taken in pairs ``(s, m - s)`` from the outside in (where the Shapley
    kernel puts most of its weight); a pair of sizes is enumerated when the samples
    left, spread over the remaining sizes by their kernel mass, would give it at least
    as many draws as it has coalitions — as SHAP's KernelExplainer does. The budget
    left over is drawn at random from the remaining sizes, in complementary pairs.
    """
    mass = {s: (m - 1) / (s * (m - s)) for s in range(1, m)}
    left, remaining = n_samples, sum(mass.values())
    enumerated: list[int] = []
    for s in range(1, m // 2 + 1):
        sizes = [s] if s == m - s else [s, m - s]
        count = sum(math.comb(m, k) for k in sizes)
        share = sum(mass[k] for k in sizes) / remaining
        if left * share < count - 1e-8:
            break
        enumerated.extend(sizes)
        left -= count
        remaining -= sum(mass[k] for k in sizes)
    if len(enumerated) == m - 1:
        return enumerated, 0
    return enumerated, max(1, left // 2)


def _sampled_plan(row: int, active: np.ndarray, n_samples: int, rng: np.random.Generator):
    """Enumerate the sizes :func:`_size_plan` allows; draw paired coalitions for the rest.

    A drawn coalition's size ``s`` comes from the remaining sizes with probability
    proportional to the kernel's mass ``(m - 1) / (s (m - s))``, its members uniformly
    among the subsets of that size; the pair's second coalition is the complement (whose
    size is remaining too). Drawn this way, every drawn coalition enters the
    least-squares problem with the same weight: the remaining mass over the draws.
    Returns an exact plan when every size is enumerated.
    """
    m = len(active)
    enumerated, n_pairs = _size_plan(m, n_samples)
    if n_pairs == 0:
        return _exact_plan(row, active)
    mass = np.array([(m - 1) / (s * (m - s)) for s in range(1, m)])
    total = mass.sum()
    blocks, weights = [], []
    for s in enumerated:
        for members in itertools.combinations(range(m), s):
            mask = np.zeros(m, dtype=bool)
            mask[list(members)] = True
            blocks.append(mask)
        weights.append(np.full(math.comb(m, s), mass[s - 1] / math.comb(m, s) / total))
    rest_sizes = np.array([s for s in range(1, m) if s not in enumerated])
    p = mass[rest_sizes - 1]
    drawn = rng.choice(rest_sizes, size=n_pairs, p=p / p.sum())
    order = np.argsort(rng.random((n_pairs, m)), axis=1)  # a random permutation per pair
    first = np.zeros((n_pairs, m), dtype=bool)
    np.put_along_axis(first, order, np.arange(m)[None, :] < drawn[:, None], axis=1)
    n_enum = len(blocks)
    stacked = np.concatenate([np.array(blocks, dtype=bool).reshape(n_enum, m), first, ~first])
    masks, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    plan = _Plan(row, active, masks)
    if n_enum:
        plan.enum = (inverse[:n_enum], np.concatenate(weights))
    plan.pairs = np.stack([inverse[n_enum : n_enum + n_pairs], inverse[n_enum + n_pairs :]], 1)
    plan.rest = float(p.sum() / total)
    return plan


# -- evaluation --------------------------------------------------------------------------------


def _evaluate(
    predictor: Predictor,
    combined: pd.DataFrame,
    n_rows: int,
    n_bg: int,
    plans: list[_Plan],
) -> int:
    """Fill each plan's ``v`` (mean over the background); return the rows evaluated.

    Coalition ``c`` of row ``i`` with background row ``b`` is the stacked row whose
    column ``j`` is ``x_ij`` when ``j`` is in the coalition (or is a dummy) and ``b_j``
    otherwise; rows of several plans share one model call up to ``CHUNK_ROWS`` rows.
    """
    columns = list(combined.columns)
    background_index = n_rows + np.arange(n_bg)
    total = 0
    batch: list[_Plan] = []
    size = 0
    # All-numeric tables are filled straight into one 2-D float array (the background
    # broadcast, then the row's values copied where present); other tables gather
    # their rows per column. Integer columns get their dtype back afterwards.
    numeric = all(
        pd.api.types.is_float_dtype(t) or pd.api.types.is_integer_dtype(t) for t in combined.dtypes
    )
    matrix = combined.to_numpy(dtype=float) if numeric else None
    integers = {c: t for c, t in combined.dtypes.items() if pd.api.types.is_integer_dtype(t)}
    n_cols = len(columns)

    def present_of(plan: _Plan) -> np.ndarray:
        present = np.ones((len(plan.masks), n_cols), dtype=bool)
        present[:, plan.active] = plan.masks
        return present

    def numeric_frame() -> pd.DataFrame:
        data = np.empty((sum(len(p.masks) for p in batch) * n_bg, n_cols))
        background = matrix[background_index]
        start = 0
        for plan in batch:
            k = len(plan.masks)
            view = data[start : start + k * n_bg].reshape(k, n_bg, n_cols)
            view[...] = background[None, :, :]
            np.copyto(view, matrix[plan.row][None, None, :], where=present_of(plan)[:, None, :])
            start += k * n_bg
        frame = pd.DataFrame(data, columns=columns, copy=False)
        return frame.astype(integers) if integers else frame

    def gathered_frame() -> pd.DataFrame:
        # (coalitions, background, columns): the row itself where present, else b
        index = np.concatenate([
            np.where(present_of(plan)[:, None, :], plan.row, background_index[None, :, None])
            .reshape(-1, n_cols) for plan in batch
        ])  # fmt: skip
        return pd.DataFrame({c: combined[c].array.take(index[:, j]) for j, c in enumerate(columns)})

    def flush() -> None:
        nonlocal total
        if not batch:
            return
        frame = numeric_frame() if matrix is not None else gathered_frame()
        out = predictor(frame)
        total += len(frame)
        start = 0
        for plan in batch:
            n = len(plan.masks) * n_bg
            plan.v = out[start : start + n].reshape(len(plan.masks), n_bg, -1).mean(axis=1)
            start += n
        batch.clear()

    for plan in plans:
        batch.append(plan)
        size += len(plan.masks) * n_bg
        if size >= CHUNK_ROWS:
            flush()
            size = 0
    flush()
    return total


# -- solving ------------------------------------------------------------------------------------


def _exact_from_all(v_rest: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Shapley values from ``v`` on every coalition; shape (m, n_outputs).

    ``v_rest`` holds coalitions ``1 .. 2^m - 1`` in integer order (bit ``k`` = column
    ``k`` present); the empty coalition's value is ``base``.
    """
    m = round(math.log2(len(v_rest) + 1))
    v = np.concatenate([base[None, :], v_rest])
    ints = np.arange(2**m)
    popcount = ((ints[:, None] >> np.arange(m)) & 1).sum(axis=1)
    # weight of a coalition of size s not containing i: s! (m - s - 1)! / m!
    weight = np.array([1.0 / (m * math.comb(m - 1, s)) for s in range(m)])
    phi = np.empty((m, v.shape[1]))
    for k in range(m):
        without = ints[(ints >> k) & 1 == 0]
        phi[k] = weight[popcount[without]] @ (v[without | (1 << k)] - v[without])
    return phi


def _solve_sampled(plan: _Plan, base: np.ndarray, fx: np.ndarray):
    """Kernel SHAP's constrained weighted least squares, with standard errors.

    Minimises ``sum_z w_z (v(z) - v0 - z . phi)^2`` subject to ``sum(phi) = f(x) - v0``
    (a KKT system), where the enumerated coalitions carry their kernel weights and each
    drawn pair carries ``rest / P``. Only the drawn part is random; the standard errors
    are the delta-method (sandwich) estimate over the pairs (see :func:`kernel_shap`).
    """
    m = len(plan.active)
    K = plan.v.shape[1]
    A, b = np.zeros((m, m)), np.zeros((m, K))
    if plan.enum is not None:
        index, weight = plan.enum
        z = plan.masks[index].astype(float)
        A += (z * weight[:, None]).T @ z
        b += (z * weight[:, None]).T @ (plan.v[index] - base)
    z = plan.masks[plan.pairs[:, 0]].astype(float)  # (P, m)
    zc = plan.masks[plan.pairs[:, 1]].astype(float)
    y1 = plan.v[plan.pairs[:, 0]] - base  # (P, K)
    y2 = plan.v[plan.pairs[:, 1]] - base
    n_pairs = len(z)
    A_p = (z[:, :, None] * z[:, None, :] + zc[:, :, None] * zc[:, None, :]) / 2  # (P, m, m)
    b_p = (z[:, :, None] * y1[:, None, :] + zc[:, :, None] * y2[:, None, :]) / 2  # (P, m, K)
    A += plan.rest * A_p.mean(axis=0)
    b += plan.rest * b_p.mean(axis=0)
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m], kkt[:m, m], kkt[m, :m] = A, 1.0, 1.0
    inverse = np.linalg.pinv(kkt)  # pinv: a few columns may always have moved together
    rhs = np.vstack([b, (fx - base)[None, :]])  # (m + 1, K)
    phi = (inverse @ rhs)[:m]  # (m, K)
    # the constraint holds exactly up to rounding; remove that rounding too
    phi += ((fx - base) - phi.sum(axis=0)) / m
    if n_pairs < 2:
        return phi, np.full_like(phi, np.nan)
    upper = inverse[:m, :m]
    r = plan.rest * (b_p - np.einsum("pij,jk->pik", A_p, phi))  # (P, m, K)
    r -= r.mean(axis=0)
    se = np.empty_like(phi)
    for o in range(K):
        cov = r[:, :, o].T @ r[:, :, o] / (n_pairs - 1)
        se[:, o] = np.sqrt(np.clip(np.diag(upper @ cov @ upper.T), 0, None) / n_pairs)
    return phi, se


def check_n_samples(n_samples: Any) -> int | None:
    """``None`` or an int >= 2 (the number of sampled coalitions per row)."""
    if n_samples is None:
        return None
    try:
        return check_int("n_samples", n_samples, minimum=2)
    except InvalidParameterError:
        raise InvalidParameterError(
            f"n_samples must be an int >= 2 (coalitions per row) or None, got {n_samples!r}"
        ) from None
