"""Tree-structured Parzen estimator."""

from autoxai.samplers._tpe._sampler import TPESampler

__all__ = ["TPESampler"]
