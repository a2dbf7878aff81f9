"""Protocol kinds: what happens after the independent first answer.

:data:`PROTOCOLS` maps ``protocol.kind`` to its config model: ``rounds`` (debate
and reflection rounds on the graph, the default) and ``coalition`` (routed
stages). A plugin adding a kind registers its config model here and its episode
runner under the same name in :data:`societies.engine.runner.RUNNERS`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sociolab.registry import Registry


class ProtocolKindSpec(BaseModel):
    """Base of every protocol config model (``kind`` selects it; default ``rounds``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str


PROTOCOLS: Registry[type[ProtocolKindSpec]] = Registry("protocol kind")
"""Protocol kind -> its config model."""

__all__ = ["PROTOCOLS", "ProtocolKindSpec"]
