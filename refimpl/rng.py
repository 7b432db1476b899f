"""The one random generator refimpl draws from, so that ``utils.set_random_seed`` makes runs repeatable."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def generator() -> np.random.Generator:
    """Return the generator used by initializers, Dropout and shuffling."""
    return _generator


def seed(value: int) -> None:
    """Re-seed refimpl's generator (and numpy's global one, which user code often relies on)."""
    global _generator
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"seed must be an int; got {value!r}.")
    _generator = np.random.default_rng(int(value))
    np.random.seed(int(value) % (2**32))


def generators(model) -> dict[str, np.random.Generator]:
    """The random generators a training run of ``model`` draws from, by name.

    ``"global"`` is refimpl's own generator (shuffling, unseeded Dropout); ``"layer:<i>"`` is the generator
    of the model's ``i``-th layer when that layer was given a seed.
    """
    found = {"global": generator()}
    for i, layer in enumerate(getattr(model, "layers", ())):
        layer_generator = getattr(layer, "_generator", None)
        if isinstance(layer_generator, np.random.Generator):
            found[f"layer:{i}"] = layer_generator
    return found


def get_states(model) -> dict:
    """The states of :func:`generators` as plain JSON data (lists, numbers and strings)."""
    return {name: _plain(g.bit_generator.state) for name, g in generators(model).items()}


def set_states(model, states: dict | None) -> None:
    """Put back states returned by :func:`get_states`; names this model lacks are ignored.

    Raises:
        ValueError: when a state was recorded from a different kind of bit generator.
    """
    if not states:
        return
    found = generators(model)
    for name, state in states.items():
        target = found.get(name)
        if target is None:
            continue
        state = _unplain(state)
        if not isinstance(state, dict) or state.get("bit_generator") != type(target.bit_generator).__name__:
            raise ValueError(f"The recorded random state for {name} does not fit this generator "
                             f"({type(target.bit_generator).__name__}).")
        target.bit_generator.state = state


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unplain(value):
    if isinstance(value, dict):
        if set(value) == {"__ndarray__", "dtype"}:
            return np.asarray(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
        return {k: _unplain(v) for k, v in value.items()}
    return value
