"""Gaussian-process Bayesian optimisation.

The sampler is :class:`GPSampler`; the modules below it are its parts:

* ``_kernel``: the Matérn-5/2 ARD kernel;
* ``_gp``: hyperparameters, their priors, the log marginal likelihood and its gradient,
  the maximum a posteriori fit, and the posterior;
* ``_acquisition``: log expected improvement and its gradient;
* ``_encoding``: the search space as the GP sees it (imputation, snapping, activity);
* ``_optim``: the multi-start acquisition optimiser;
* ``_sampler``: :class:`GPSampler`.

SciPy is imported only when the sampler first proposes a configuration, so
``import autoxai`` stays fast.
"""

from autoxai.samplers._gp._sampler import GPSampler

__all__ = ["GPSampler"]
