"""SearchSpace: named distributions, their conditions, JSON, and the unit-cube encoding."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autoxai._utils import did_you_mean
from autoxai.exceptions import SearchSpaceError
from autoxai.space._distributions import BaseDistribution, Categorical, distribution_from_dict

__all__ = ["SearchSpace"]


class SearchSpace(Mapping[str, BaseDistribution]):
    """A set of named parameters to search over, some of them conditional.

    The space is checked when built: names are non-empty strings, every condition names
    a parameter of the space with values that parameter can take, and conditions have
    no cycles. Parameters are kept in an order where every parent comes before its
    children (otherwise the order given), which is the order in which samplers draw.

    Parameters
    ----------
    params : dict of str to distribution
        ``{"name": Float(...), ...}``; a parameter with ``when=`` exists only when its
        parents take the given values.

    Examples
    --------
    >>> from autoxai import Categorical, Float, SearchSpace
    >>> space = SearchSpace({
    ...     "kind": Categorical(["linear", "rbf"]),
    ...     "gamma": Float(1e-3, 1e1, log=True, when={"kind": "rbf"}),
    ... })
    >>> space.active_names({"kind": "linear"})
    ['kind']
    """

    def __init__(self, params: Mapping[str, BaseDistribution]) -> None:
        if isinstance(params, SearchSpace):
            params = dict(params.items())
        if not isinstance(params, Mapping):
            raise SearchSpaceError(
                "a search space is built from a dict of name -> distribution, "
                f"got {type(params).__name__}"
            )
        if not params:
            raise SearchSpaceError("a search space needs at least one parameter")
        for name, dist in params.items():
            if not isinstance(name, str) or not name:
                raise SearchSpaceError(f"parameter names must be non-empty strings, got {name!r}")
            if not isinstance(dist, BaseDistribution):
                raise SearchSpaceError(
                    f"parameter {name!r} must be a Float, Int or Categorical, "
                    f"got {dist!r} of type {type(dist).__name__}"
                )
        self._check_conditions(params)
        self._params = {name: params[name] for name in self._topological_order(params)}
        # The space is immutable: lay out the encodings and the conditions once.
        self._json: str | None = None
        self._slices = {True: self._layout(onehot=True), False: self._layout(onehot=False)}
        self._n_dims = {k: max((sl.stop for sl in v.values()), default=0)
                        for k, v in self._slices.items()}  # fmt: skip
        self._allowed = {
            (name, parent): self._condition_keys(params[parent], values)
            for name, dist in self._params.items()
            for parent, values in dist.when.items()
        }

    # -- construction checks ---------------------------------------------------------
    @staticmethod
    def _check_conditions(params: Mapping[str, BaseDistribution]) -> None:
        for name, dist in params.items():
            for parent, values in dist.when.items():
                if parent == name:
                    raise SearchSpaceError(f"parameter {name!r} cannot be conditioned on itself")
                if parent not in params:
                    raise SearchSpaceError(
                        f"parameter {name!r} is conditioned on {parent!r}, which is not in "
                        f"the space.{did_you_mean(parent, params)}"
                    )
                for value in values:
                    if not params[parent].contains(value):
                        raise SearchSpaceError(
                            f"parameter {name!r} is conditioned on {parent}={value!r}, a value "
                            f"{parent!r} ({params[parent]!r}) can never take"
                        )

    @staticmethod
    def _topological_order(params: Mapping[str, BaseDistribution]) -> list[str]:
        order: list[str] = []
        state: dict[str, str] = {}  # "visiting" or "done"

        def visit(name: str, path: list[str]) -> None:
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                cycle = " -> ".join([*path[path.index(name) :], name])
                raise SearchSpaceError(f"conditions form a cycle: {cycle}")
            state[name] = "visiting"
            for parent in params[name].when:
                visit(parent, [*path, name])
            state[name] = "done"
            order.append(name)

        for name in params:
            visit(name, [])
        return order

    def _layout(self, *, onehot: bool) -> dict[str, slice]:
        out, start = {}, 0
        for name, dist in self._params.items():
            n = dist.n_dims(onehot=onehot)
            out[name] = slice(start, start + n)
            start += n
        return out

    @staticmethod
    def _condition_keys(parent: BaseDistribution, values: tuple) -> np.ndarray:
        """The parent's keys (choice indices, or numbers) that activate a child."""
        if isinstance(parent, Categorical):
            return np.array([parent.index(v) for v in values], dtype=float)
        return np.array(values, dtype=float)

    @classmethod
    def coerce(cls, space: SearchSpace | Mapping[str, BaseDistribution]) -> SearchSpace:
        """Return ``space`` as a :class:`SearchSpace` (a plain dict is accepted everywhere)."""
        return space if isinstance(space, SearchSpace) else cls(space)

    # -- Mapping protocol -------------------------------------------------------------
    def __getitem__(self, name: str) -> BaseDistribution:
        try:
            return self._params[name]
        except KeyError:
            raise KeyError(
                f"{name!r} is not a parameter of this space.{did_you_mean(name, self._params)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping) and not isinstance(other, SearchSpace):
            try:
                other = SearchSpace(other)
            except SearchSpaceError:
                return False
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking mapping: not hashable

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {v!r}" for k, v in self._params.items())
        return f"SearchSpace({{{inner}}})"

    # -- conditions -------------------------------------------------------------------
    @property
    def is_conditional(self) -> bool:
        """True when at least one parameter has a condition."""
        return any(d.when for d in self._params.values())

    def is_active(self, name: str, params: Mapping[str, Any]) -> bool:
        """Whether parameter ``name`` exists given the (parent) values in ``params``."""
        for parent, values in self[name].when.items():
            if parent not in params or not self.is_active(parent, params):
                return False
            dist = self._params[parent]
            value = params[parent]
            if isinstance(dist, Categorical):
                if dist.index(value) not in {dist.index(v) for v in values}:
                    return False
            elif value not in values:
                return False
        return True

    def active_names(self, params: Mapping[str, Any]) -> list[str]:
        """Names of the parameters that exist given ``params``, in sampling order."""
        return [name for name in self._params if self.is_active(name, params)]

    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check a configuration: every active parameter present and valid, nothing else.

        Returns the configuration in the space's order; raises ``SearchSpaceError``.
        """
        if not isinstance(params, Mapping):
            raise SearchSpaceError(f"a configuration is a dict, got {type(params).__name__}")
        unknown = [k for k in params if k not in self._params]
        if unknown:
            raise SearchSpaceError(
                f"unknown parameter {unknown[0]!r}.{did_you_mean(unknown[0], self._params)}"
            )
        out: dict[str, Any] = {}
        for name, dist in self._params.items():
            if not self.is_active(name, out):
                if name in params:
                    raise SearchSpaceError(
                        f"parameter {name!r} is inactive for this configuration "
                        f"(it needs {_describe_when(dist)})"
                    )
                continue
            if name not in params:
                raise SearchSpaceError(f"configuration lacks the active parameter {name!r}")
            if not dist.contains(params[name]):
                raise SearchSpaceError(f"{name}={params[name]!r} is outside {dist!r}")
            out[name] = params[name]
        return out

    # -- unit-cube encoding -----------------------------------------------------------
    def slices(self, *, onehot: bool = True) -> dict[str, slice]:
        """Position of each parameter's coordinates in an encoded vector."""
        return dict(self._slices[bool(onehot)])

    def n_dims(self, *, onehot: bool = True) -> int:
        """Length of an encoded vector."""
        return self._n_dims[bool(onehot)]

    def _active_masks(self, keys: dict[str, np.ndarray], present: dict[str, np.ndarray]):
        """Which rows have each parameter active, given every row's parent keys."""
        active: dict[str, np.ndarray] = {}
        for name, dist in self._params.items():  # parents first
            mask = present[name].copy()
            for parent in dist.when:
                mask &= active[parent] & np.isin(keys[parent], self._allowed[(name, parent)])
            active[name] = mask
        return active

    def encode(self, params: Mapping[str, Any], *, onehot: bool = True) -> np.ndarray:
        """Map a configuration into ``[0, 1] ** n_dims``; inactive parameters are NaN.

        Numbers are scaled linearly (or in log space), categoricals become one-hot
        vectors (or a single index coordinate with ``onehot=False``).
        """
        return self.encode_many([params], onehot=onehot)[0]

    def encode_many(
        self, configs: Sequence[Mapping[str, Any]], *, onehot: bool = True
    ) -> np.ndarray:
        """:meth:`encode` for many configurations at once, one row each."""
        m = len(configs)
        out = np.full((m, self.n_dims(onehot=onehot)), np.nan)
        keys, present = {}, {}
        for name, dist in self._params.items():
            rows = np.array([name in c for c in configs], dtype=bool)
            present[name] = rows
            keys[name] = np.full(m, np.nan)
            if rows.any():
                values = [c[name] for c, r in zip(configs, rows) if r]
                if isinstance(dist, Categorical):
                    keys[name][rows] = [dist.index(v) for v in values]
                else:
                    keys[name][rows] = np.asarray(values, dtype=float)
        active = self._active_masks(keys, present)
        for name, sl in self._slices[bool(onehot)].items():
            rows = active[name]
            if rows.any():
                values = [c[name] for c, r in zip(configs, rows) if r]
                out[rows, sl] = self._params[name].encode_many(values, onehot=onehot)
        return out

    def decode(self, vector: np.ndarray, *, onehot: bool = True) -> dict[str, Any]:
        """Map a point of the unit cube back to a valid configuration.

        Parents are decoded first, so only the parameters active for the decoded parents
        appear in the result; their coordinates are read, the others ignored.
        """
        vector = np.asarray(vector, dtype=float)
        if vector.ndim != 1 or vector.shape[0] != self.n_dims(onehot=onehot):
            raise SearchSpaceError(
                f"expected a vector of length {self.n_dims(onehot=onehot)}, "
                f"got shape {vector.shape}"
            )
        return self.decode_many(vector[None, :], onehot=onehot)[0]

    def _decode_columns(self, u: np.ndarray, onehot: bool):
        """Every parameter decoded for every row: values, and keys for the conditions."""
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.n_dims(onehot=onehot):
            raise SearchSpaceError(
                f"expected rows of length {self.n_dims(onehot=onehot)}, got shape {u.shape}"
            )
        values, keys = {}, {}
        for name, sl in self._slices[bool(onehot)].items():
            dist = self._params[name]
            if isinstance(dist, Categorical):
                idx = dist.decode_indices(u[:, sl], onehot=onehot)
                keys[name] = idx.astype(float)
                values[name] = [dist.choices[i] for i in idx]
            else:
                values[name] = dist.decode_many(u[:, sl], onehot=onehot)
                keys[name] = np.asarray(values[name], dtype=float)
        return values, keys

    def active_many(self, u: np.ndarray, *, onehot: bool = True) -> dict[str, np.ndarray]:
        """For rows of unit-cube points, which rows have each parameter active."""
        _, keys = self._decode_columns(u, onehot)
        m = np.asarray(u).shape[0]
        return self._active_masks(keys, {name: np.ones(m, dtype=bool) for name in self._params})

    def decode_many(self, u: np.ndarray, *, onehot: bool = True) -> list[dict[str, Any]]:
        """:meth:`decode` for many points at once, one row each."""
        values, keys = self._decode_columns(u, onehot)
        m = np.asarray(u).shape[0]
        if not self.is_conditional:
            names = list(self._params)
            return [dict(zip(names, row)) for row in zip(*(values[n] for n in names))]
        active = self._active_masks(keys, {name: np.ones(m, dtype=bool) for name in self._params})
        return [
            {name: values[name][i] for name in self._params if active[name][i]} for i in range(m)
        ]

    # -- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain-data form; :meth:`from_dict` reads it back."""
        return {name: dist.to_dict() for name, dist in self._params.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]]) -> SearchSpace:
        """Rebuild a space written by :meth:`to_dict`."""
        if not isinstance(data, Mapping):
            raise SearchSpaceError(f"expected a dict of distributions, got {type(data).__name__}")
        return cls({name: distribution_from_dict(d) for name, d in data.items()})

    def to_json(self, **kwargs: Any) -> str:
        """The space as a JSON string (``kwargs`` go to :func:`json.dumps`).

        Without ``kwargs`` the text is computed once: the space is immutable, and the
        samplers use it as the space's identity.
        """
        if kwargs:
            return json.dumps(self.to_dict(), **kwargs)
        if self._json is None:
            self._json = json.dumps(self.to_dict())
        return self._json

    @classmethod
    def from_json(cls, text: str) -> SearchSpace:
        """Rebuild a space from :meth:`to_json` output."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SearchSpaceError(f"not a valid search-space JSON: {exc}") from None
        return cls.from_dict(data)


def _describe_when(dist: BaseDistribution) -> str:
    parts = []
    for parent, values in dist.when.items():
        shown = repr(values[0]) if len(values) == 1 else "one of " + repr(list(values))
        parts.append(f"{parent}={shown}")
    return " and ".join(parts)
