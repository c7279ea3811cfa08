"""A table holding every column kind, for the CLI tests and the fuzz tests."""

import datetime as dt

import numpy as np
import pandas as pd


def every_kind_table(n_rows: int = 80, seed: int = 0) -> pd.DataFrame:
    """A table holding every column kind a user may bring, and a learnable target."""
    rng = np.random.default_rng(seed)
    n = n_rows
    offsets = ["+01:00", "-05:00", "Z", "+05:30"]
    count = rng.integers(0, 50, n)
    table = pd.DataFrame({
        "id": np.arange(n),
        "date": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
        "stamp": [f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:15:00{offsets[i % 4]}"
                  for i in range(n)],
        "zoned": pd.date_range("2024-01-01", periods=n, freq="7h", tz="Europe/Paris"),
        "clock": [f"{i % 24:02d}:{(7 * i) % 60:02d}" for i in range(n)],
        "time": [dt.time(i % 24, (7 * i) % 60) for i in range(n)],
        "wait": pd.to_timedelta(rng.integers(0, 10**5, n), unit="s"),
        "yes_no": rng.choice(["yes", "no"], n),
        "y_n": rng.choice(["Y", "N"], n),
        "true_false": rng.choice(["True", "False"], n),
        "amount": [f"{v:,}" for v in rng.integers(0, 10**7, n)],
        "share": [f"{v:.1f}%" for v in rng.uniform(0, 100, n)],
        "city": [f"city{v}" for v in rng.integers(0, 40, n)],
        "count": pd.array([*count[:-3], None, None, None], dtype="Int64"),
        "flag": pd.array([*rng.choice([True, False], n - 2), None, None], dtype="boolean"),
        "word": pd.array([*rng.choice(["a", "b", "c"], n - 2), None, None], dtype="string"),
        "level": pd.Categorical(rng.choice(["lo", "hi"], n), categories=["lo", "hi", "never"]),
    })  # fmt: skip
    table["target"] = np.where(count + 20 * (table["yes_no"] == "yes") > 30, "p", "q")
    return table
