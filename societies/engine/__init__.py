"""How a run unfolds: the experiment, its episode runners, the scheduler, budgets, shared clients.

Flow: :class:`~societies.engine.experiment.Experiment` builds the parts from
the config (:mod:`societies.engine.build`), runs every episode through an
:class:`~societies.engine.runner.EpisodeRunner` (rounds of debate and
reflection on a graph, or a coalition's routed stages), and writes each turn
to the transcript as soon as it completes.
"""

from societies.engine.experiment import (
    CacheMode,
    Experiment,
    RunMonitor,
    RunResult,
    RunStatus,
    run_experiment,
)

__all__ = ["CacheMode", "Experiment", "RunMonitor", "RunResult", "RunStatus", "run_experiment"]
