"""sociolab's foundation: the error tree and the plugin registries every package shares.

The four packages of the framework (``agents``, ``benchmarks``, ``protocols``,
``societies``) all build on this leaf package; it imports nothing of theirs.
"""

from sociolab.errors import SociolabError

__all__ = ["SociolabError"]
