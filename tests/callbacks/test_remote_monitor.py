"""RemoteMonitor against a real HTTP server on 127.0.0.1: what arrives, and what a bad server costs."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import remote_monitor
from refimpl.callbacks.remote_monitor import DEFAULT_TIMEOUT, RemoteMonitor


@pytest.fixture(autouse=True, params=["requests", "urllib"])
def client(request, monkeypatch):
    """Every test runs twice: POSTing with requests (as Keras 3 does) and with the urllib fallback."""
    if request.param == "requests":
        pytest.importorskip("requests")
    else:
        monkeypatch.setattr(remote_monitor, "requests", None)
    return request.param


class Recorder:
    """What the server received, one entry per POST, and how it should behave."""

    def __init__(self, behaviour: str = "ok"):
        self.behaviour = behaviour
        self.requests: list[dict] = []
        self.release = threading.Event()  # lets hanging handlers finish at teardown


def _handler(recorder: Recorder):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            recorder.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            if recorder.behaviour == "hang":
                recorder.release.wait(30)
                return
            if recorder.behaviour == "trickle":
                # Each byte arrives well within any per-read timeout, the whole reply never does.
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                self.wfile.flush()
                while not recorder.release.wait(0.1):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                return
            status = 500 if recorder.behaviour == "error" else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@contextlib.contextmanager
def http_server(behaviour: str = "ok"):
    recorder = Recorder(behaviour)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        recorder.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _free_port() -> int:
    """A port on which nothing listens (bound once to pick it, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def _data(n=16):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([[0.5], [-1.0], [2.0]], dtype="float32"))


def _fit(callbacks, epochs=3, **kwargs):
    x, y = _data()
    return _model().fit(x, y, batch_size=4, epochs=epochs, verbose=0, callbacks=callbacks, **kwargs)


def _epoch_rows(history):
    return [{"epoch": epoch, **{key: values[i] for key, values in history.history.items()}}
            for i, epoch in enumerate(history.epoch)]


def _form_payload(request, field="data"):
    form = urllib.parse.parse_qs(request["body"].decode("ascii"), strict_parsing=True)
    assert list(form) == [field]
    (text,) = form[field]
    return json.loads(text)


def test_posts_one_form_per_epoch_with_the_epoch_logs():
    with http_server() as (root, recorder):
        history = _fit([RemoteMonitor(root=root)], epochs=3, validation_split=0.25)
    assert len(recorder.requests) == 3
    for request in recorder.requests:
        assert request["path"] == "/publish/epoch/end/"
        assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    payloads = [_form_payload(r) for r in recorder.requests]
    assert payloads == _epoch_rows(history)
    assert set(payloads[0]) == {"epoch", "loss", "mae", "val_loss", "val_mae"}
    assert [p["epoch"] for p in payloads] == [0, 1, 2]


def test_send_as_json_posts_the_json_body():
    with http_server() as (root, recorder):
        history = _fit([RemoteMonitor(root=root, send_as_json=True)], epochs=2)
    assert len(recorder.requests) == 2
    assert all(r["headers"]["Content-Type"] == "application/json" for r in recorder.requests)
    assert [json.loads(r["body"]) for r in recorder.requests] == _epoch_rows(history)


def test_custom_path_field_and_headers_arrive():
    headers = {"X-Run": "exp-7", "Authorization": "Bearer t0ken"}
    with http_server() as (root, recorder):
        history = _fit([RemoteMonitor(root=root + "/api", path="/v1/epochs", field="metrics",
                                      headers=headers)], epochs=2)
    assert [r["path"] for r in recorder.requests] == ["/api/v1/epochs"] * 2
    for request in recorder.requests:
        assert request["headers"]["X-Run"] == "exp-7"
        assert request["headers"]["Authorization"] == "Bearer t0ken"
    assert [_form_payload(r, field="metrics") for r in recorder.requests] == _epoch_rows(history)


def test_a_content_type_header_replaces_the_default():
    with http_server() as (root, recorder):
        _fit([RemoteMonitor(root=root, send_as_json=True,
                            headers={"Content-Type": "application/vnd.run+json"})], epochs=1)
    (request,) = recorder.requests
    assert request["headers"]["Content-Type"] == "application/vnd.run+json"
    assert json.loads(request["body"])["epoch"] == 0


class AddNumpyValues(keras.callbacks.Callback):
    """Puts numpy values into the epoch logs before RemoteMonitor sees them."""

    def on_epoch_end(self, epoch, logs=None):
        logs["np_float"] = np.float32(0.25)
        logs["np_int"] = np.int64(epoch + 10)
        logs["np_array0d"] = np.array(1.5, dtype="float64")
        logs["np_vector"] = np.array([1.0, 2.0], dtype="float32")
        logs["np_one_element"] = np.arange(1)


@pytest.mark.parametrize("send_as_json", [False, True])
def test_numpy_values_arrive_as_python_numbers(send_as_json):
    with http_server() as (root, recorder):
        _fit([AddNumpyValues(), RemoteMonitor(root=root, send_as_json=send_as_json)], epochs=2)
    payloads = [json.loads(r["body"]) if send_as_json else _form_payload(r) for r in recorder.requests]
    assert [(p["np_float"], p["np_int"], p["np_array0d"], p["np_vector"]) for p in payloads] == [
        (0.25, 10, 1.5, [1.0, 2.0]), (0.25, 11, 1.5, [1.0, 2.0])]
    assert isinstance(payloads[0]["np_float"], float) and isinstance(payloads[0]["np_int"], int)
    assert payloads[0]["np_one_element"] == 0  # a one-element array is sent as its .item(), as in Keras 3


def test_non_finite_numbers_are_sent_as_python_json_writes_them():
    class Diverged(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs.update(loss=float("nan"), grad_norm=np.float32("inf"))

    with http_server() as (root, recorder):
        _fit([Diverged(), RemoteMonitor(root=root, send_as_json=True)], epochs=1)
    body = recorder.requests[0]["body"].decode()
    assert '"loss": NaN' in body and '"grad_norm": Infinity' in body
    payload = json.loads(body)
    assert np.isnan(payload["loss"]) and payload["grad_norm"] == float("inf")


def test_a_value_json_cannot_carry_is_sent_as_text_with_a_warning():
    class AddObject(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["note"] = {1, 2}

    with http_server() as (root, recorder), pytest.warns(UserWarning, match=r"logs\['note'\]"):
        _fit([AddObject(), RemoteMonitor(root=root, send_as_json=True)], epochs=1)
    assert json.loads(recorder.requests[0]["body"])["note"] == "{1, 2}"


def _fit_recording_warnings(monitor, epochs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.monotonic()
        history = _fit([monitor], epochs=epochs)
        elapsed = time.monotonic() - start
    messages = [str(w.message) for w in caught if "RemoteMonitor" in str(w.message)]
    return history, messages, elapsed


def test_a_refused_connection_costs_a_warning_per_epoch_not_the_run():
    root = f"http://127.0.0.1:{_free_port()}"
    history, messages, _ = _fit_recording_warnings(RemoteMonitor(root=root, timeout=2.0), epochs=3)
    assert history.epoch == [0, 1, 2]
    assert len(messages) == 3
    assert all(m.startswith(f"Could not reach RemoteMonitor root server at {root}") for m in messages)
    assert "refused" in messages[0].lower()


@pytest.mark.parametrize("behaviour", ["hang", "trickle"])
def test_a_silent_or_trickling_server_costs_a_bounded_wait_and_a_warning(behaviour):
    with http_server(behaviour) as (root, recorder):
        history, messages, elapsed = _fit_recording_warnings(RemoteMonitor(root=root, timeout=0.5), epochs=2)
    assert history.epoch == [0, 1]
    assert len(recorder.requests) == 2  # the POSTs did arrive; only the replies never came
    assert len(messages) == 2 and all("timeout" in m for m in messages)
    # Without the bound, fit would wait for the server until teardown (30 s); with it, ~0.5 s per epoch.
    assert elapsed < 10


def test_an_http_error_status_costs_a_warning():
    with http_server("error") as (root, recorder):
        history, messages, _ = _fit_recording_warnings(RemoteMonitor(root=root), epochs=2)
    assert history.epoch == [0, 1] and len(recorder.requests) == 2
    assert len(messages) == 2 and all("HTTP 500" in m for m in messages)


def test_defaults_match_keras():
    monitor = RemoteMonitor()
    assert (monitor.root, monitor.path, monitor.field, monitor.headers, monitor.send_as_json) == (
        "http://localhost:9000", "/publish/epoch/end/", "data", None, False)
    assert monitor.url == "http://localhost:9000/publish/epoch/end/"
    assert monitor.timeout == DEFAULT_TIMEOUT == 5.0
    assert keras.callbacks.RemoteMonitor is RemoteMonitor


@pytest.mark.parametrize("kwargs, argument", [
    ({"root": "ftp://example.org"}, "root"),
    ({"root": "localhost:9000"}, "root"),
    ({"root": "http://"}, "root"),
    ({"root": 9000}, "root"),
    ({"path": None}, "path"),
    ({"field": ""}, "field"),
    ({"field": 3}, "field"),
    ({"headers": [("X-Run", "1")]}, "headers"),
    ({"headers": "X-Run: 1"}, "headers"),
    ({"headers": {"X-Run": 1}}, "headers"),
    ({"send_as_json": "yes"}, "send_as_json"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": -1.0}, "timeout"),
    ({"timeout": float("inf")}, "timeout"),
    ({"timeout": "5"}, "timeout"),
    ({"timeout": True}, "timeout"),
])
def test_bad_arguments_are_rejected_at_construction(kwargs, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must be"):
        RemoteMonitor(**kwargs)
