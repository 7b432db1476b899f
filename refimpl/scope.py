"""What refimpl covers, stated once, so that every "not supported" error points at the same page.

refimpl exists to run callbacks through a real training loop; it implements the layers, losses, metrics,
optimizers and file formats that loop needs, not all of Keras. The docs page ``docs/guide/refimpl-scope.rst``
("What refimpl covers") lists both sides.
"""

from __future__ import annotations

SCOPE_PAGE = 'see "What refimpl covers" in the docs (docs/guide/refimpl-scope.rst)'

LAYERS = "Input, InputLayer, Dense, Activation, Dropout and Flatten"


def out_of_scope(what: str) -> str:
    """The sentence every out-of-scope error ends with: what is missing, what refimpl covers, and the page."""
    return (f"{what[0].upper()}{what[1:]}: outside refimpl's scope. refimpl runs single-input, single-output "
            f"models built from {LAYERS}, for testing callbacks; {SCOPE_PAGE}.")


def missing_attribute(module: str, name: str, covered: str) -> AttributeError:
    """The AttributeError of a module ``__getattr__``: the name, what the module does have, and the page."""
    if name.startswith("__"):  # probes by Python itself (``__wrapped__``, ``__path__`` …) get the plain error
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    return AttributeError(f"module {module!r} has no attribute {name!r}. refimpl implements only what a training "
                          f"loop with callbacks needs; {module} has {covered}. {SCOPE_PAGE[0].upper()}"
                          f"{SCOPE_PAGE[1:]}.")
