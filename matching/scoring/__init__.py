"""Explainable partner suggestions for Meet-X events.

``build_index(profiles, config=..., preferences=..., sector_names=...)`` returns a
:class:`MatchIndex`; its ``suggest``, ``top_k_all``/``iter_top_k``, ``top_pairs`` and
``explain`` return :class:`Suggestion` objects with a score in [0, 1], its components and
bilingual :class:`Reason` objects. :func:`fingerprint` is the cache key of those inputs.
"""

from matching.scoring.fingerprint import SCORING_VERSION, fingerprint
from matching.scoring.index import MatchIndex, Suggestion, build_index
from matching.scoring.reasons import Reason

__all__ = [
    "SCORING_VERSION",
    "MatchIndex",
    "Reason",
    "Suggestion",
    "build_index",
    "fingerprint",
]
