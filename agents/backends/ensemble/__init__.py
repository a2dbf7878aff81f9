"""The ``ensemble`` backend: several ``hf`` models as one (DeePEn token-level fusion, or a vote).

Only :mod:`.provider` is imported here (it imports torch lazily); the math lives
in :mod:`.relative`, :mod:`.anchors` and :mod:`.deepen`.
"""
