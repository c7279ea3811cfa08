"""How far two feature rankings agree: the metrics of Krishna et al. (2022).

Two explanations of one model often rank its features differently, and a single
correlation hides *where*. Krishna et al. measure agreement at the top of the rankings,
where readers look, and over chosen features:

* **feature agreement**: the share of the top-``k`` features both rankings hold;
* **rank agreement**: the share of the ``k`` positions holding the same feature;
* **sign agreement**: the share of the top ``k`` both hold *and* give the same sign
  (direction of effect);
* **signed-rank agreement**: same feature at the same position with the same sign;
* **rank correlation**: Spearman's rho over the features of interest;
* **pairwise rank agreement**: the share of pairs of those features both rankings put
  in the same order.

Rankings come from the values (larger = more important, ties in feature order); signs
are +1 / -1 / 0, NaN where a method has none, and sign metrics are NaN when either
ranking has no signs at all.

Reference: S. Krishna, T. Han, A. Gu, S. Wu, S. Jabbari, H. Lakkaraju, "The Disagreement
Problem in Explainable Machine Learning: A Practitioner's Perspective", TMLR 2024
(arXiv:2202.01602, 2022).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

__all__ = ["METRICS", "agreement"]

#: The metrics :func:`agreement` returns, in order.
METRICS = (
    "feature",
    "rank",
    "sign",
    "signed_rank",
    "rank_correlation",
    "pairwise_rank",
)


def agreement(
    a: np.ndarray,
    b: np.ndarray,
    *,
    k: int,
    sign_a: np.ndarray | None = None,
    sign_b: np.ndarray | None = None,
    among: np.ndarray | None = None,
) -> dict[str, float]:
    """The six agreement metrics of two rankings of the same features.

    Parameters
    ----------
    a, b : ndarray of shape (n_features,)
        Importance values (larger = more important; NaN ranks last).
    k : int
        The size of the top compared by the four top-``k`` metrics (capped at the
        number of features).
    sign_a, sign_b : ndarray, optional
        Each feature's sign of effect under each method.
    among : ndarray of bool, optional
        The features over which rank correlation and pairwise rank agreement are
        taken (default all); NaN when fewer than two.

    Examples
    --------
    >>> m = agreement(np.array([3.0, 2, 1]), np.array([3.0, 1, 2]), k=2)
    >>> m["feature"], m["rank"], round(m["pairwise_rank"], 3)
    (0.5, 0.5, 0.667)
    """
    a = np.nan_to_num(np.asarray(a, dtype=float), nan=-np.inf)
    b = np.nan_to_num(np.asarray(b, dtype=float), nan=-np.inf)
    k = max(1, min(int(k), len(a)))
    top_a = np.argsort(-a, kind="stable")[:k]
    top_b = np.argsort(-b, kind="stable")[:k]
    shared = np.intersect1d(top_a, top_b)
    same_place = top_a == top_b
    out = {"feature": len(shared) / k, "rank": float(same_place.mean())}
    if _has_signs(sign_a) and _has_signs(sign_b):
        agree = np.asarray(sign_a, dtype=float) == np.asarray(sign_b, dtype=float)  # NaN: no
        out["sign"] = float(agree[shared].sum()) / k
        out["signed_rank"] = float((same_place & agree[top_a]).sum()) / k
    else:
        out["sign"] = out["signed_rank"] = float("nan")
    chosen = np.ones(len(a), dtype=bool) if among is None else np.asarray(among, dtype=bool)
    out["rank_correlation"] = _spearman(a[chosen], b[chosen])
    out["pairwise_rank"] = _pairwise(a[chosen], b[chosen])
    return {name: out[name] for name in METRICS}


def _has_signs(sign: np.ndarray | None) -> bool:
    return sign is not None and bool(np.isfinite(np.asarray(sign, dtype=float)).any())


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    if len(a) < 2:
        return float("nan")
    ra, rb = rankdata(a) - (len(a) + 1) / 2, rankdata(b) - (len(b) + 1) / 2
    denominator = float(np.sqrt((ra @ ra) * (rb @ rb)))
    return float(ra @ rb) / denominator if denominator > 0 else float("nan")


def _pairwise(a: np.ndarray, b: np.ndarray) -> float:
    pairs = list(combinations(range(len(a)), 2))
    if not pairs:
        return float("nan")
    i, j = np.array(pairs).T
    return float(np.mean(np.sign(a[i] - a[j]) == np.sign(b[i] - b[j])))
