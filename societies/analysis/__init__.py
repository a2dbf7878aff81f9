"""Measures, reports and plots, computed from transcripts alone.

Nothing here imports the engine, the sweeps or a backend, so an analysis works
on old runs, on runs made on other machines and on imported transcripts.
"""
