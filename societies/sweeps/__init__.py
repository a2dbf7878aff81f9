"""Sweeps: a base config and a grid of changes; each grid point is a cell (one run).

:mod:`~societies.sweeps.spec` reads sweep files, :mod:`~societies.sweeps.local`
runs the cells in one event loop, :mod:`~societies.sweeps.ray_executor` as Ray tasks.
"""
