"""Distributions: the value objects a search space is made of.

Each distribution validates itself when built, knows whether a value belongs to it,
writes itself to and reads itself from a plain dict (for JSON), and maps its values to
and from the unit hypercube, which is where the samplers work:

* a number is mapped linearly, or in log space when ``log=True``;
* a discrete number (an ``Int``, or a ``Float`` with a ``step``) owns a bin of equal
  width (in log space for ``log=True``) around each of its values, so a uniform draw in
  ``[0, 1]`` gives every value its fair share and decoding rounds to the nearest value;
* a categorical is either one dimension holding the index (``(i + 0.5) / n``) or ``n``
  one-hot dimensions.

A distribution may be *conditional*: ``when={"kind": "svm"}`` makes it active only when
the parameter ``kind`` takes the value ``"svm"`` (a list allows several values; several
parents must all match). The :class:`~autoxai.space.SearchSpace` checks the condition
against the other parameters.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autoxai.exceptions import SearchSpaceError

__all__ = ["BaseDistribution", "Categorical", "Float", "Int", "distribution_from_dict", "value_key"]

Scalar = str | int | float | bool | None


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _normalise_when(when: Mapping[str, Any] | None) -> dict[str, tuple[Any, ...]]:
    if when is None:
        return {}
    if not isinstance(when, Mapping):
        raise SearchSpaceError(
            f"when must be a dict mapping a parent parameter to its value(s), got {when!r}"
        )
    out: dict[str, tuple[Any, ...]] = {}
    for parent, values in when.items():
        if not isinstance(parent, str) or not parent:
            raise SearchSpaceError(f"when must name parents by string, got {parent!r}")
        seq = isinstance(values, (list, tuple, set, frozenset))
        values = tuple(values) if seq else (values,)
        if not values:
            raise SearchSpaceError(f"when[{parent!r}] lists no values")
        out[parent] = values
    return out


def value_key(value: Any) -> tuple[str, Any]:
    """Hashable identity of a parameter value: ``1 == 1.0`` but ``True != 1``.

    Python says ``True == 1 == 1.0``; a search space must tell a boolean choice from a
    number.
    """
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if _is_number(value):
        return ("number", float(value))
    return (type(value).__name__, value)


class BaseDistribution(ABC):
    """What every distribution offers the search space and the samplers."""

    kind: str

    def __init__(self, when: Mapping[str, Any] | None = None) -> None:
        self.when = _normalise_when(when)

    @abstractmethod
    def contains(self, value: Any) -> bool:
        """Return True when ``value`` is a value this distribution can take."""

    @abstractmethod
    def n_dims(self, *, onehot: bool = True) -> int:
        """Number of unit-cube dimensions this parameter takes."""

    @abstractmethod
    def encode_many(self, values: Sequence[Any], *, onehot: bool = True) -> np.ndarray:
        """Map values to their unit-cube coordinates, one row per value."""

    @abstractmethod
    def decode_many(self, u: np.ndarray, *, onehot: bool = True) -> list[Any]:
        """Map rows of unit-cube coordinates back to the nearest valid values."""

    def encode(self, value: Any, *, onehot: bool = True) -> np.ndarray:
        """Map ``value`` to its coordinates in the unit cube."""
        return self.encode_many([value], onehot=onehot)[0]

    def decode(self, u: np.ndarray, *, onehot: bool = True) -> Any:
        """Map unit-cube coordinates back to the nearest valid value."""
        return self.decode_many(np.asarray(u, dtype=float).reshape(1, -1), onehot=onehot)[0]

    @abstractmethod
    def grid(self, n_points: int) -> list[Any]:
        """At most ``n_points`` representative values (all values if there are fewer)."""

    @abstractmethod
    def _fields(self) -> dict[str, Any]:
        """The constructor's arguments, except ``when``."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, for JSON; :func:`distribution_from_dict` reads it back."""
        out = {"type": self.kind, **self._fields()}
        if self.when:
            out["when"] = {k: list(v) for k, v in self.when.items()}
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BaseDistribution) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        fields = self._fields()
        args = [repr(v) for k, v in fields.items() if k in ("low", "high", "choices")]
        args += [f"{k}={v!r}" for k, v in fields.items() if k not in ("low", "high", "choices")]
        if self.when:
            when = {k: (v[0] if len(v) == 1 else list(v)) for k, v in self.when.items()}
            args.append(f"when={when!r}")
        return f"{type(self).__name__}({', '.join(args)})"


class _Numeric(BaseDistribution):
    """Shared logic of :class:`Float` and :class:`Int`: bounds, log scale and steps."""

    def __init__(self, low, high, *, log, step, when) -> None:
        super().__init__(when)
        name = type(self).__name__
        for label, value in (("low", low), ("high", high)):
            if not _is_number(value) or not math.isfinite(value):
                raise SearchSpaceError(f"{name}: {label} must be a finite number, got {value!r}")
        if not low < high:
            raise SearchSpaceError(f"{name}: low must be < high, got low={low}, high={high}")
        if log and low <= 0:
            raise SearchSpaceError(f"{name}: log=True needs low > 0, got low={low}")
        if step is not None:
            if not _is_number(step) or not step > 0 or not math.isfinite(step):
                raise SearchSpaceError(f"{name}: step must be a number > 0, got step={step!r}")
            n_steps = (high - low) / step
            if abs(n_steps - round(n_steps)) > 1e-9 * max(1.0, n_steps):
                raise SearchSpaceError(
                    f"{name}: high - low must be a multiple of step, got low={low}, "
                    f"high={high}, step={step}"
                )
        self.low = low
        self.high = high
        self.log = bool(log)
        self.step = step

    # Transformation to the space in which the unit cube is linear.
    def _t(self, x):
        return np.log(x) if self.log else x

    def _t_inv(self, y):
        return np.exp(y) if self.log else y

    @property
    def n_values(self) -> int | None:
        """Number of distinct values, or None for a continuous range."""
        if self.step is None:
            return None
        return round((self.high - self.low) / self.step) + 1

    def _bounds(self) -> tuple[float, float]:
        """Interval of the transformed space that the unit interval maps onto."""
        if self.step is None:
            return float(self._t(self.low)), float(self._t(self.high))
        half = self.step / 2
        return float(self._t(self.low - half)), float(self._t(self.high + half))

    def unit_bin_edges(self) -> np.ndarray | None:
        """Edges of each value's bin on the unit interval (``n_values + 1`` of them).

        Value ``k`` owns ``[edges[k], edges[k + 1]]``: the encodings of the midpoints
        to its neighbours, so the bins tile ``[0, 1]`` and decoding rounds into them.
        On a linear scale the bins have equal widths; on a log scale (an ``Int`` with
        ``log=True``) they shrink as the values grow. None for a continuous range.
        """
        if self.step is None:
            return None
        a, b = self._bounds()
        mids = self.low - self.step / 2 + self.step * np.arange(self.n_values + 1)
        edges = (self._t(mids) - a) / (b - a)
        edges[0], edges[-1] = 0.0, 1.0  # exact ends, free of log/exp rounding
        return edges

    def _snap(self, x: np.ndarray) -> list[Any]:
        """Nearest valid values to the numbers ``x``."""
        if self.step is None:
            return np.clip(x, self.low, self.high).tolist()
        k = np.clip(np.round((x - self.low) / self.step), 0, self.n_values - 1)
        return [self._value_at(int(i)) for i in k]

    @abstractmethod
    def _value_at(self, k: int) -> Any:
        """The ``k``-th value of the step grid."""

    def n_dims(self, *, onehot: bool = True) -> int:
        return 1

    def encode_many(self, values: Sequence[Any], *, onehot: bool = True) -> np.ndarray:
        a, b = self._bounds()
        x = np.asarray(values, dtype=float)
        return ((self._t(x) - a) / (b - a)).reshape(-1, 1)

    def decode_many(self, u: np.ndarray, *, onehot: bool = True) -> list[Any]:
        a, b = self._bounds()
        u = np.clip(np.asarray(u, dtype=float).reshape(-1), 0.0, 1.0)
        x = self._t_inv(a + u * (b - a))
        if self.step is None:  # exact bounds, free of exp(log(x)) rounding
            x = np.where(u == 0.0, self.low, np.where(u == 1.0, self.high, x))
        return self._snap(x)

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(value):
            return False
        if not self.low <= value <= self.high:
            return False
        if self.step is None:
            return True
        k = (value - self.low) / self.step
        return abs(k - round(k)) <= 1e-9 * max(1.0, abs(k))

    def grid(self, n_points: int) -> list[Any]:
        n = self.n_values
        if n is None:
            return self.decode_many(np.linspace(0.0, 1.0, n_points))
        if n <= n_points:
            return [self._value_at(k) for k in range(n)]
        points = np.linspace(float(self._t(self.low)), float(self._t(self.high)), n_points)
        values = self._snap(self._t_inv(points))
        return list(dict.fromkeys(values))  # snapping can merge neighbours

    def _fields(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "log": self.log, "step": self.step}


class Float(_Numeric):
    """A real parameter in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Bounds, both included; ``low < high``.
    log : bool
        Sample uniformly in log space (for scales such as a learning rate); needs ``low > 0``.
    step : float, optional
        Restrict the values to ``low, low + step, ..., high``; not with ``log``.
    when : dict, optional
        Condition on other parameters, e.g. ``{"kind": "svm"}`` or ``{"kind": ["a", "b"]}``.

    Examples
    --------
    >>> Float(1e-4, 1e-1, log=True)
    Float(0.0001, 0.1, log=True, step=None)
    """

    kind = "float"

    def __init__(
        self,
        low: float,
        high: float,
        *,
        log: bool = False,
        step: float | None = None,
        when: Mapping[str, Any] | None = None,
    ) -> None:
        if log and step is not None:
            raise SearchSpaceError("Float: step cannot be combined with log=True")
        low, high, step = (float(v) if _is_number(v) else v for v in (low, high, step))
        super().__init__(low, high, log=log, step=step, when=when)

    def _value_at(self, k: int) -> float:
        return float(round(self.low + k * self.step, 12))


class Int(_Numeric):
    """An integer parameter in ``[low, high]`` (both included).

    Parameters
    ----------
    low, high : int
        Bounds; ``low < high``.
    log : bool
        Give each order of magnitude the same share of draws; needs ``low >= 1`` and
        ``step == 1``.
    step : int
        Restrict the values to ``low, low + step, ..., high``.
    when : dict, optional
        Condition on other parameters, e.g. ``{"kind": "svm"}``.

    Examples
    --------
    >>> Int(1, 256, log=True)
    Int(1, 256, log=True, step=1)
    """

    kind = "int"

    def __init__(
        self,
        low: int,
        high: int,
        *,
        log: bool = False,
        step: int = 1,
        when: Mapping[str, Any] | None = None,
    ) -> None:
        for label, value in (("low", low), ("high", high), ("step", step)):
            if not (_is_number(value) and math.isfinite(value) and float(value).is_integer()):
                raise SearchSpaceError(f"Int: {label} must be an integer, got {label}={value!r}")
        if log and step != 1:
            raise SearchSpaceError(f"Int: log=True needs step=1, got step={step}")
        super().__init__(int(low), int(high), log=log, step=int(step), when=when)

    def _value_at(self, k: int) -> int:
        return int(self.low + k * self.step)

    def contains(self, value: Any) -> bool:
        return super().contains(value) and float(value).is_integer()


class Categorical(BaseDistribution):
    """A parameter that takes one of a list of values.

    Parameters
    ----------
    choices : sequence
        The values: strings, numbers, booleans or None (what JSON can hold), no duplicates.
    when : dict, optional
        Condition on other parameters, e.g. ``{"kind": "svm"}``.

    Examples
    --------
    >>> Categorical(["rbf", "linear"])
    Categorical(['rbf', 'linear'])
    """

    kind = "categorical"

    def __init__(self, choices: Sequence[Scalar], *, when: Mapping[str, Any] | None = None):
        super().__init__(when)
        if isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence):
            raise SearchSpaceError(
                f"Categorical: choices must be a list of values, got {choices!r}"
            )
        choices = [c.item() if isinstance(c, np.generic) else c for c in choices]
        if not choices:
            raise SearchSpaceError("Categorical: choices must not be empty")
        for c in choices:
            if c is not None and not isinstance(c, (str, int, float, bool)):
                raise SearchSpaceError(
                    "Categorical: choices must be str, int, float, bool or None, "
                    f"got {c!r} of type {type(c).__name__}"
                )
            if isinstance(c, float) and not math.isfinite(c):
                raise SearchSpaceError(f"Categorical: choices must be finite, got {c!r}")
        keys = [value_key(c) for c in choices]
        if len(set(keys)) != len(keys):
            raise SearchSpaceError(f"Categorical: choices must be unique, got {choices!r}")
        self.choices = tuple(choices)
        self._index_of = {k: i for i, k in enumerate(keys)}

    def index(self, value: Any) -> int:
        """Position of ``value`` in ``choices``; ``SearchSpaceError`` if absent."""
        try:
            return self._index_of[value_key(value)]
        except (KeyError, TypeError):
            raise SearchSpaceError(
                f"{value!r} is not one of the choices {list(self.choices)!r}"
            ) from None

    def contains(self, value: Any) -> bool:
        try:
            return value_key(value) in self._index_of
        except TypeError:  # unhashable
            return False

    def n_dims(self, *, onehot: bool = True) -> int:
        return len(self.choices) if onehot else 1

    def encode_many(self, values: Sequence[Any], *, onehot: bool = True) -> np.ndarray:
        idx = np.array([self.index(v) for v in values], dtype=int)
        k = len(self.choices)
        if onehot:
            out = np.zeros((len(idx), k))
            out[np.arange(len(idx)), idx] = 1.0
            return out
        return ((idx + 0.5) / k).reshape(-1, 1)

    def decode_many(self, u: np.ndarray, *, onehot: bool = True) -> list[Any]:
        return [self.choices[i] for i in self.decode_indices(u, onehot=onehot)]

    def decode_indices(self, u: np.ndarray, *, onehot: bool = True) -> np.ndarray:
        """Indices of the choices that rows of unit-cube coordinates decode to."""
        k = len(self.choices)
        u = np.asarray(u, dtype=float).reshape(-1, k if onehot else 1)
        if onehot:
            return np.argmax(u, axis=1)
        return np.clip(np.floor(np.clip(u[:, 0], 0.0, 1.0) * k).astype(int), 0, k - 1)

    def grid(self, n_points: int) -> list[Any]:
        return list(self.choices)

    def _fields(self) -> dict[str, Any]:
        return {"choices": list(self.choices)}


_KINDS: dict[str, type[BaseDistribution]] = {"float": Float, "int": Int, "categorical": Categorical}


def distribution_from_dict(data: Mapping[str, Any]) -> BaseDistribution:
    """Rebuild a distribution from :meth:`BaseDistribution.to_dict` output."""
    data = dict(data)
    kind = data.pop("type", None)
    if kind not in _KINDS:
        raise SearchSpaceError(
            f"unknown distribution type {kind!r}; expected one of {sorted(_KINDS)}"
        )
    try:
        if kind == "categorical":
            return Categorical(data.pop("choices"), **data)
        return _KINDS[kind](data.pop("low"), data.pop("high"), **data)
    except (KeyError, TypeError) as exc:
        raise SearchSpaceError(f"malformed {kind} distribution {data!r}: {exc}") from None
