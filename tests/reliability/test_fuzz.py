"""Hypothesis fuzzing of what callbacks write from user-controlled text: CSV rows, checkpoint names from
filepath templates, and RemoteMonitor payloads. Each is read back and must equal what went in."""

from __future__ import annotations

import csv
import json
import math
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refimpl as keras
from refimpl.callbacks.model_checkpoint import FilepathTemplateError

# Keys a user might put in logs: any printable text, including separators, quotes, newlines, CJK.
keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(',;"\n\t'),
               min_size=1, max_size=12).filter(lambda k: k != "epoch" and k.strip() == k)
finite = st.floats(allow_nan=False, allow_infinity=False, width=32)
values = finite | st.text(max_size=15)


def small_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@given(rows=st.lists(st.dictionaries(keys, values, min_size=1, max_size=5), min_size=1, max_size=4),
       separator=st.sampled_from([",", ";", "\t", "|"]))
def test_csv_rows_read_back_exactly(tmp_path_factory, rows, separator):
    # Every epoch carries the first epoch's keys (a fixed header), with later values varying.
    header_keys = sorted(rows[0])
    epochs = [{k: row.get(k, rows[0][k]) for k in header_keys} for row in rows]
    path = tmp_path_factory.mktemp("csv") / "log.csv"
    logger = keras.callbacks.CSVLogger(str(path), separator=separator)
    logger.set_model(small_model())
    logger.on_train_begin({})
    for epoch, logs in enumerate(epochs):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end({})
    with open(path, newline="", encoding="utf-8") as f:
        read = list(csv.reader(f, delimiter=separator))
    # As Keras 3: with no val_ key in the first epoch, val_ columns are added for every key and hold NA.
    extra = [] if any(k.startswith("val_") for k in header_keys) else ["val_" + k for k in header_keys]
    assert read[0] == ["epoch", *header_keys, *extra]
    assert len(read) == len(epochs) + 1, "a row was torn or duplicated"
    for epoch, (logs, row) in enumerate(zip(epochs, read[1:])):
        assert row[0] == str(epoch)
        assert row[1 + len(header_keys):] == ["NA"] * len(extra)
        for key, cell in zip(header_keys, row[1:]):
            want = logs[key]
            if isinstance(want, float):
                assert float(cell) == want
            else:
                assert cell == want.replace("\x00", "\\x00")  # a NUL is written as \x00


field = st.sampled_from(["{epoch}", "{epoch:02d}", "{epoch:03d}", "{loss:.2f}", "{loss:.4e}", "{val_loss:.3f}"])
literal = st.text(st.characters(codec="utf-8", categories=("L", "N"), include_characters="-_."), max_size=6)


@given(parts=st.lists(st.tuples(literal, field), min_size=1, max_size=3), loss=finite.filter(lambda v: abs(v) < 1e6),
       epoch=st.integers(0, 500))
def test_filepath_templates_fill_like_str_format(tmp_path_factory, parts, loss, epoch):
    template = "".join(lit + f for lit, f in parts) + ".weights.h5"
    directory = tmp_path_factory.mktemp("ck")
    checkpoint = keras.callbacks.ModelCheckpoint(str(directory / template), monitor="loss", save_weights_only=True)
    checkpoint.set_model(small_model())
    logs = {"loss": loss, "val_loss": loss / 2}
    name = checkpoint._get_file_path(epoch, None, logs)
    assert name == str(directory / template.format(epoch=epoch + 1, **logs))


@given(key=keys.filter(lambda k: k.isidentifier() and k not in ("loss", "epoch")))
def test_template_key_missing_from_logs_names_it_and_the_available_ones(tmp_path_factory, key):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path_factory.mktemp("ck") / f"m-{{{key}}}.weights.h5"),
                                                 save_weights_only=True)
    checkpoint.set_model(small_model())
    with pytest.raises(FilepathTemplateError) as info:
        checkpoint._get_file_path(0, None, {"loss": 1.0})
    assert repr(key) in str(info.value) and "epoch, loss" in str(info.value)


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@given(logs=st.dictionaries(keys, finite | st.integers(-10**6, 10**6) | st.text(max_size=10), max_size=6),
       as_json=st.booleans())
def test_remote_monitor_payload_round_trips(server, logs, as_json):
    _Collector.received.clear()
    monitor = keras.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{server.server_port}", send_as_json=as_json,
                                            timeout=5.0)
    monitor.set_model(small_model())
    monitor.on_epoch_end(3, {k: (np.float32(v) if isinstance(v, float) else v) for k, v in logs.items()})
    assert len(_Collector.received) == 1
    content_type, body = _Collector.received[0]
    if as_json:
        payload = json.loads(body)
    else:
        payload = json.loads(urllib.parse.parse_qs(body.decode())["data"][0])
    assert payload.pop("epoch") == 3
    assert set(payload) == set(logs)
    for key, want in logs.items():
        if isinstance(want, float):
            assert math.isclose(payload[key], float(np.float32(want)), rel_tol=0, abs_tol=0)
        else:
            assert payload[key] == want
