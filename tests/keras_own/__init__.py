"""Keras 3's own callback tests, taken from the keras wheel at test time and run on refimpl."""
