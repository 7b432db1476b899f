"""Hypothesis settings profiles `ci`, `dev` and `thorough`, registered once on import.

`ci` is derandomized, keeps no example database, has no deadline and a bounded number of examples, so a run
is reproducible and its time is bounded; `dev` explores randomly and remembers failures between runs;
`thorough` runs many more examples. `EXAMPLES` scales each scenario family and `SHRINK_SECONDS` bounds the
time spent shrinking one failing clause.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

PROFILE_NAMES = ("ci", "dev", "thorough")
_SUPPRESS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]

settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=150,
                          suppress_health_check=_SUPPRESS, print_blob=False)
settings.register_profile("dev", deadline=None, max_examples=300, suppress_health_check=_SUPPRESS)
settings.register_profile("thorough", deadline=None, max_examples=1000, suppress_health_check=_SUPPRESS)

# Examples per scenario family, relative to max_examples (fit carries most of the contract).
# The targeted families (conformance.strategies.TARGETS) give each rare situation its own share, so that under
# `ci` every clause is checked on at least 20 scenarios.
FAMILY_SHARE = {"fit": 1.0, "evaluate": 0.25, "predict": 0.2, "class_weight": 0.15, "bad_input": 0.15,
                "sequence": 0.2, "stop_in_batch": 0.16, "stop_before_batches": 0.16, "edit_logs": 0.16,
                "nested_in_batch": 0.16, "stop_predicting": 0.16, "raise_in_fit": 0.16}
SHRINK_SECONDS = {"ci": 4.0, "dev": 20.0, "thorough": 60.0}


def get(name: str) -> settings:
    """The registered settings profile `name`.

    Raises:
        ValueError: If `name` is not one of `PROFILE_NAMES`.
    """
    if name not in PROFILE_NAMES:
        raise ValueError(f"unknown hypothesis profile {name!r}; known profiles: {', '.join(PROFILE_NAMES)}")
    return settings.get_profile(name)
