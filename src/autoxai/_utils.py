"""Small helpers shared across packages: seeds and "did you mean" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np

from autoxai.exceptions import InvalidParameterError, ParameterTypeError

RandomState = int | np.random.Generator | None


def check_random_state(random_state: RandomState) -> np.random.Generator:
    """Normalise ``random_state`` to a :class:`numpy.random.Generator`.

    An ``int`` seeds a new generator, ``None`` draws fresh OS entropy, and a generator is
    returned as it is (so the caller shares its stream).
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool)
    ):
        if random_state is not None and random_state < 0:
            raise InvalidParameterError(f"random_state must be >= 0, got {random_state}")
        return np.random.default_rng(random_state)
    raise ParameterTypeError(
        "random_state must be an int, a numpy.random.Generator or None, "
        f"got {type(random_state).__name__}"
    )


def seed_from(random_state: RandomState) -> int:
    """Draw one integer seed from ``random_state`` (an int is returned unchanged)."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        check_random_state(random_state)
        return int(random_state)
    return int(check_random_state(random_state).integers(2**63 - 1))


def check_int(name: str, value: object, *, minimum: int) -> int:
    """Check that ``value`` is an int (not a bool) of at least ``minimum``; return it."""
    if (
        not isinstance(value, (int, np.integer))
        or isinstance(value, (bool, np.bool_))
        or value < minimum
    ):
        raise InvalidParameterError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest option, or ``""`` when none is close."""
    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f" Did you mean {match[0]!r}?" if match else ""


def choose(name: str, value: str, options: Iterable[str]) -> str:
    """Check that ``value`` is one of ``options``; raise a ``ValueError`` that suggests one."""
    options = list(options)
    if value in options:
        return value
    raise InvalidParameterError(
        f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}."
        + did_you_mean(value, options)
    )


def suggest(name: str, options: Iterable[str]) -> str:
    """``did_you_mean``, trying a case-insensitive match first (``"Y"`` for ``"y"``)."""
    options = list(options)
    same = [o for o in options if o.lower() == name.lower()]
    return f" Did you mean {same[0]!r}?" if same else did_you_mean(name, options)


def check_columns(expected: Iterable[str], names: Iterable[str]) -> None:
    """Raise :class:`DataError` naming the ``expected`` columns absent from ``names``.

    The one message for a table that lacks a model's columns, whether it comes from
    ``predict``, an explainer or the CLI; one missing name gets a "did you mean".
    """
    from autoxai.exceptions import DataError

    names = [str(n) for n in names]
    missing = [c for c in expected if c not in names]
    if missing:
        extra = [n for n in names if n not in expected]
        hint = suggest(missing[0], extra) if len(missing) == 1 else ""
        shown = ", ".join(map(repr, missing[:10])) + (", …" if len(missing) > 10 else "")
        raise DataError(f"the table lacks column(s) the model was fitted on: {shown}.{hint}")
