"""The one result type every explainer returns: plain data, no plotting.

An :class:`Explanation` holds the point estimates (``values``), their uncertainty
(``std`` and/or ``interval``), what the method says about its own trustworthiness
(``diagnostics``: fidelity, stability, warnings) and how it was made (``settings``,
``random_state``). Method-specific arrays (a PDP's ``grid`` and ``individual`` curves,
the ``direction`` of each feature's effect, SHAP's ``base_value``) live in ``arrays`` and
read as attributes: ``result.grid``. The report, the CLI and the consensus only read
these objects; none of them recomputes anything.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from autoxai._json import dumps, jsonable

__all__ = ["Explanation"]

Scope = Literal["global", "local"]


@dataclass
class Explanation:
    """What one explanation method found, with its uncertainty and diagnostics.

    Parameters
    ----------
    method : str
        The method's name, e.g. ``"permutation_importance"``.
    scope : {"global", "local"}
        Global: one value per feature (``values.shape == (n_features,)`` or
        ``(n_outputs, n_features)``). Local: one per row and feature.
    feature_names : list of str
        The user's original columns the values speak of, in order.
    values : ndarray
        The point estimates.
    std : ndarray or None
        Standard deviation of each value (across repeats, folds or seeds), same shape.
    interval : ndarray or None
        A confidence interval, shape ``(2, *values.shape)``: lower, upper.
    output_names : list of str or None
        The model outputs explained (class labels for classifiers explained per class,
        ``["prediction"]`` for a regressor), when the values have an output axis.
    diagnostics : dict
        How far to trust the result: JSON-able numbers (``fidelity``, ``model_time``...)
        and ``warnings``, a list of plain-language sentences.
    settings : dict
        The options the method ran with (JSON-able).
    random_state : int or None
        The seed the method drew its randomness from (None when it uses none).
    arrays : dict
        Method-specific arrays, readable as attributes (``result.grid``).

    Examples
    --------
    >>> e = Explanation("demo", "global", ["a", "b"], np.array([0.5, 0.1]))
    >>> Explanation.from_json(e.to_json()).values.tolist()
    [0.5, 0.1]
    """

    method: str
    scope: Scope
    feature_names: list[str]
    values: np.ndarray
    std: np.ndarray | None = None
    interval: np.ndarray | None = None
    output_names: list[str] | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    random_state: int | None = None
    arrays: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: expose method-specific arrays.
        arrays = self.__dict__.get("arrays", {})
        if name in arrays:
            value = arrays[name]
            if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype == object:
                return value.item()  # a scalar (e.g. a surrogate's rules text)
            return value
        raise AttributeError(f"{type(self).__name__} of {self.method!r} has no {name!r}")

    @property
    def warnings(self) -> list[str]:
        """The method's warnings about its own result, in plain words."""
        return list(self.diagnostics.get("warnings", []))

    def to_frame(self, output: int | str | None = None) -> pd.DataFrame:
        """The explanation as a table, most important first.

        A local explanation gives one line per explained row and feature: ``row``,
        ``feature``, ``value`` (and ``std`` when known), the largest contributions of
        each row first.

        Columns: ``feature``, ``value`` and, when known, ``std``, ``low``, ``high`` and
        ``direction``, most important first (largest value, or smallest when
        ``settings["lower_is_better"]``, as for mean ranks). ``output`` picks one output
        (class) when the values have an output axis (default: the last, i.e. the
        positive class of a binary model).
        """
        if self.scope != "global":
            return self._local_frame(output)
        pick = _output_picker(self, output)
        table = pd.DataFrame({"feature": self.feature_names, "value": pick(self.values)})
        if self.std is not None:
            table["std"] = pick(self.std)
        if self.interval is not None:
            table["low"] = pick(self.interval[0])
            table["high"] = pick(self.interval[1])
        if "direction" in self.arrays:
            table["direction"] = pick(np.asarray(self.arrays["direction"]))
        ascending = bool(self.settings.get("lower_is_better", False))  # e.g. mean ranks
        return table.sort_values("value", ascending=ascending, kind="stable").reset_index(drop=True)

    def _local_frame(self, output: int | str | None) -> pd.DataFrame:
        values = np.asarray(self.values, dtype=float)
        std = None if self.std is None else np.asarray(self.std, dtype=float)
        if values.ndim == 3:  # (outputs, rows, features)
            pick = _output_picker(self, output)
            values = pick(values)
            std = None if std is None else pick(std)
        values = np.atleast_2d(values)
        n_rows, n_features = values.shape
        table = pd.DataFrame({
            "row": np.repeat(np.arange(n_rows), n_features),
            "feature": np.tile(np.asarray(self.feature_names, dtype=object), n_rows),
            "value": values.ravel(),
        })  # fmt: skip
        if std is not None:
            table["std"] = np.atleast_2d(std).ravel()
        order = np.lexsort((-np.abs(table["value"].to_numpy()), table["row"].to_numpy()))
        return table.iloc[order].reset_index(drop=True)

    def plot(self, ax: Any = None, **options: Any) -> Any:
        """Draw the figure the report shows for this result; return the matplotlib Axes.

        Importance bars with their intervals (global importances), the waterfall of one
        row (local SHAP), LIME's weights, PDP over ICE curves, the ALE curve. ``ax``: the
        Axes to draw on (default: a new pyplot figure). ``options``: ``output`` (the
        class), ``row`` (which explained row of local SHAP), ``max_features``.
        """
        from autoxai.plots import plot_explanation

        return plot_explanation(self, ax, **options)

    def _repr_html_(self) -> str:
        """A notebook's view: the table of :meth:`to_frame` (top 20 lines) and warnings."""
        import html

        head = f"<p><b>{html.escape(self.method)}</b> ({self.scope})</p>"
        try:
            table = self.to_frame().head(20).to_html(index=False, float_format="{:.4g}".format)
        except ValueError:
            table = ""
        warnings = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return head + table + (f"<ul>{warnings}</ul>" if warnings else "")

    # -- JSON ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (arrays as nested lists with their dtype and shape)."""
        return {
            "method": self.method,
            "scope": self.scope,
            "feature_names": list(self.feature_names),
            "values": _encode(self.values),
            "std": _encode(self.std),
            "interval": _encode(self.interval),
            "output_names": self.output_names,
            "diagnostics": jsonable(self.diagnostics),
            "settings": jsonable(self.settings),
            "random_state": self.random_state,
            "arrays": {k: _encode(v) for k, v in self.arrays.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        """Rebuild an explanation written by :meth:`to_dict`."""
        return cls(
            method=data["method"],
            scope=data["scope"],
            feature_names=list(data["feature_names"]),
            values=_decode(data["values"]),
            std=_decode(data.get("std")),
            interval=_decode(data.get("interval")),
            output_names=data.get("output_names"),
            diagnostics=dict(data.get("diagnostics", {})),
            settings=dict(data.get("settings", {})),
            random_state=data.get("random_state"),
            arrays={k: _decode(v) for k, v in data.get("arrays", {}).items()},
        )

    def to_json(self) -> str:
        """Strict JSON: NaN and infinities as null, dates and durations as ISO 8601 text
        (the rules of :mod:`autoxai._json`, shared by every file autoxai writes)."""
        return dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        """Rebuild an explanation written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    def __repr__(self) -> str:
        shape = "x".join(map(str, np.shape(self.values)))
        warn = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return f"Explanation({self.method!r}, {self.scope}, values {shape}{warn})"


def _output_picker(explanation: Explanation, output: int | str | None):
    """A function taking one output's slice of arrays shaped like ``values``."""
    if np.ndim(explanation.values) == 1:
        return lambda a: np.asarray(a)
    names = explanation.output_names or []
    if output is None:
        index = -1
    elif isinstance(output, str):
        if output not in names:
            raise ValueError(f"output must be one of {names}, got {output!r}")
        index = names.index(output)
    else:
        index = int(output)
    return lambda a: np.asarray(a)[index]


def _encode(array: Any) -> Any:
    if array is None:
        return None
    if isinstance(array, (list, tuple)):
        return {"list": [_encode(a) for a in array]}
    array = np.asarray(array)
    if array.dtype.kind in "fc":
        data = np.where(np.isfinite(array), array, np.nan).astype(float)
        flat = [None if math.isnan(v) else v for v in data.ravel().tolist()]
        kind = "float"
    elif array.dtype.kind in "iub":
        flat, kind = array.ravel().tolist(), array.dtype.kind
    else:
        flat, kind = jsonable(array.ravel()), "object"
    return {"kind": kind, "shape": list(array.shape), "data": flat}


def _decode(data: Any) -> Any:
    if data is None:
        return None
    if "list" in data:
        return [_decode(d) for d in data["list"]]
    shape, kind = tuple(data["shape"]), data["kind"]
    if kind == "float":
        flat = np.array([np.nan if v is None else v for v in data["data"]], dtype=float)
    elif kind == "b":
        flat = np.array(data["data"], dtype=bool)
    elif kind in "iu":
        flat = np.array(data["data"], dtype=np.int64)
    else:
        flat = np.empty(len(data["data"]), dtype=object)
        flat[:] = data["data"]
    return flat.reshape(shape)
