"""The backend functions cthulhu code calls (``K.get_value``, ``K.set_value``, ``K.epsilon``…)."""

from ...backend import backend, clear_session, epsilon, floatx, get_value, set_value

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_value", "set_value"]
