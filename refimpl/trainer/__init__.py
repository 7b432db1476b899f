"""The loops behind ``Model.fit``, ``evaluate`` and ``predict``."""
