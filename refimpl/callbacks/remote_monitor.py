"""``RemoteMonitor``: POSTs each epoch's logs to an HTTP server, with ``requests`` when it is installed
(as Keras 3 does), else with the standard library's ``urllib``."""

from __future__ import annotations

import json
import math
import threading
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping

import numpy as np

from .callback import Callback

try:
    import requests
except ImportError:  # refimpl needs only the standard library
    requests = None

DEFAULT_TIMEOUT = 5.0


def _jsonable(value):
    """A logs value as JSON can carry it: numpy scalars and one-element arrays become Python numbers
    (``.item()``, as Keras 3 sends them); larger arrays become lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.item() if value.size == 1 else value.tolist()
    return value


def _finite_json(payload: dict) -> bool:
    try:
        json.dumps(payload, allow_nan=False)
    except ValueError:
        return False
    return True


class RemoteMonitor(Callback):
    """Sends each epoch's logs to a server as an HTTP POST.

    At every ``on_epoch_end`` the callback POSTs ``{"epoch": epoch, **logs}`` (epoch 0-based, the logs
    keys in their order) to ``root + path``, as Keras 3 does. By default the body is a form
    (``application/x-www-form-urlencoded``) with one field, ``field``, holding that dict as a JSON string;
    with ``send_as_json=True`` the body is the JSON itself (``application/json``). numpy scalars and
    one-element arrays are sent as Python numbers (``.item()``, as in Keras 3; floats stay floats),
    larger arrays as lists (Keras 3 raises for them). Non-finite numbers are written ``NaN``/``Infinity``,
    as Python's ``json`` module writes them; any other value JSON cannot carry is sent as its ``str()``,
    with a warning.

    When the ``requests`` package is installed the POST is made as Keras 3 makes it,
    ``requests.post(root + path, json=payload, headers=headers)`` (or the form as second argument);
    without it, refimpl falls back to ``urllib`` from the standard library. A server that cannot be
    reached, refuses the connection, answers with an HTTP error status or does not answer within
    ``timeout`` seconds costs one warning for that epoch; training goes on and the next epoch tries
    again. The epoch waits for the POST at most ``timeout`` seconds in all (connecting, sending and
    reading the reply); Keras 3 has no such bound and waits for a silent server forever. (With
    ``requests``, whose call carries no timeout, as in Keras, a POST abandoned this way finishes in a
    background thread.)

    Args:
        root: root URL of the server, starting with ``http://`` or ``https://``.
            Defaults to `"http://localhost:9000"`.
        path: path appended to ``root`` (plain concatenation, as Keras does).
            Defaults to `"/publish/epoch/end/"`.
        field: name of the form field that carries the JSON string; unused when ``send_as_json``.
            Defaults to `"data"`.
        headers: extra HTTP headers, a dict of strings; a ``Content-Type`` here replaces the default one.
            Defaults to `None`.
        send_as_json: send the logs as an ``application/json`` body instead of a form.
            Defaults to `False`.
        timeout: the most seconds one POST may take before it is abandoned with a warning.
            Defaults to `5.0`.

    Raises:
        ValueError: at construction, for a ``root`` that is not an http(s) URL, a ``path`` or ``field``
            that is not a string, ``headers`` that are not a dict of strings, a non-bool ``send_as_json``,
            or a ``timeout`` that is not a positive number.

    Example:
        >>> import numpy as np
        >>> import warnings
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> monitor = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9", timeout=1.0)
        >>> with warnings.catch_warnings(record=True) as caught:  # nothing listens on port 9
        ...     warnings.simplefilter("always")
        ...     history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...                         callbacks=[monitor])
        >>> len(history.epoch), len(caught)
        (2, 2)
        >>> "Could not reach RemoteMonitor root server at http://127.0.0.1:9" in str(caught[0].message)
        True
    """

    def __init__(self, root: str = "http://localhost:9000", path: str = "/publish/epoch/end/",
                 field: str = "data", headers: Mapping[str, str] | None = None, send_as_json: bool = False,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__()
        if not isinstance(root, str):
            raise ValueError(f"root must be a URL string starting with 'http://' or 'https://'; "
                             f"got {type(root).__name__}: {root!r}.")
        parsed = urllib.parse.urlsplit(root)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"root must be a URL starting with 'http://' or 'https://' followed by a host; "
                             f"got {root!r}.")
        if not isinstance(path, str):
            raise ValueError(f"path must be a string such as '/publish/epoch/end/'; "
                             f"got {type(path).__name__}: {path!r}.")
        if not isinstance(field, str) or not field:
            raise ValueError(f"field must be a non-empty string (the form field name); got {field!r}.")
        if headers is not None and (
                not isinstance(headers, Mapping)
                or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())):
            raise ValueError(f"headers must be None or a dict from header names to string values; "
                             f"got {type(headers).__name__}: {headers!r}.")
        if not isinstance(send_as_json, (bool, np.bool_)):
            raise ValueError(f"send_as_json must be True or False; got {send_as_json!r}.")
        if (isinstance(timeout, (bool, np.bool_)) or not isinstance(timeout, (int, float, np.number))
                or not math.isfinite(timeout) or timeout <= 0):
            raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}.")
        self.root = root
        self.path = path
        self.field = field
        self.headers = dict(headers) if headers is not None else None
        self.send_as_json = bool(send_as_json)
        self.timeout = float(timeout)

    @property
    def url(self) -> str:
        """The address the POSTs go to: ``root + path``."""
        return self.root + self.path

    def _checked(self, key: str, value):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            warnings.warn(f"RemoteMonitor: logs[{key!r}] ({type(value).__name__}) cannot be written as JSON; "
                          f"sending its str() instead.", stacklevel=3)
            return str(value)
        return value

    def _request(self, payload: dict) -> urllib.request.Request:
        if self.send_as_json:
            body = json.dumps(payload).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(payload)}).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        # The user's headers come last so that they can replace Content-Type, as with Keras's requests.post.
        for name, value in (self.headers or {}).items():
            request.add_header(name, value)
        return request

    def _timed_out(self) -> str:
        return f"no answer within {self.timeout:g} s (timeout)"

    def _post_urllib(self, payload: dict, outcome: list) -> None:
        request = self._request(payload)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            outcome.append(f"the server answered HTTP {error.code} {error.reason}")
        except TimeoutError:
            outcome.append(self._timed_out())
        except urllib.error.URLError as error:
            timed_out = isinstance(error.reason, TimeoutError)
            outcome.append(self._timed_out() if timed_out else f"URLError: {error.reason}")
        except Exception as error:  # any failure of the exchange is the server's, never the run's
            outcome.append(f"{type(error).__name__}: {getattr(error, 'reason', error)}")
        else:
            outcome.append(None)

    def _post_requests(self, payload: dict, outcome: list) -> None:
        try:
            if self.send_as_json and not _finite_json(payload):
                # requests refuses NaN/Infinity in json= (Keras 3 then sends nothing); the body is encoded here.
                headers = {"Content-Type": "application/json", **(self.headers or {})}
                response = requests.post(self.url, data=json.dumps(payload).encode("utf-8"), headers=headers)
            elif self.send_as_json:
                response = requests.post(self.url, json=payload, headers=self.headers)
            else:
                response = requests.post(self.url, {self.field: json.dumps(payload)}, headers=self.headers)
        except requests.exceptions.Timeout:
            outcome.append(self._timed_out())
        except Exception as error:  # any failure of the exchange is the server's, never the run's
            outcome.append(f"{type(error).__name__}: {error}")
        else:
            status = getattr(response, "status_code", None)
            if isinstance(status, int) and status >= 400:
                outcome.append(f"the server answered HTTP {status} {getattr(response, 'reason', '')}".rstrip())
            else:
                outcome.append(None)

    def on_epoch_end(self, epoch, logs=None):
        payload = {"epoch": epoch}
        for key, value in (logs or {}).items():
            payload[key] = self._checked(key, _jsonable(value))
        # The socket timeout bounds each read, not the whole exchange (a server can trickle bytes), so
        # the POST runs in a daemon thread and this epoch waits for it at most `timeout` seconds.
        outcome: list = []
        post = self._post_urllib if requests is None else self._post_requests
        worker = threading.Thread(target=post, args=(payload, outcome), daemon=True,
                                  name="RemoteMonitor POST")
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            problem = self._timed_out()
        elif outcome and outcome[0] is None:
            return
        else:
            problem = outcome[0] if outcome else "the request failed"
        warnings.warn(f"Could not reach RemoteMonitor root server at {self.root} (POST {self.url}, "
                      f"epoch {epoch}): {problem}. Training continues.", stacklevel=2)
