"""The report's sections, one module each; :mod:`autoxai.report._page` puts them in order.

Each section is a function of :class:`~autoxai.runs.RunData` that returns HTML and only
reads: what a section shows is computed by the run layer.
"""
