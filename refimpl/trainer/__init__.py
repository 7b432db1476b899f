"""The loops behind ``Model.fit``, ``evaluate`` and ``predict``, and the ``FitState`` they share with callbacks."""

from .fit_state import FitState

__all__ = ["FitState"]
