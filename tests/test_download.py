"""Downloading against a local HTTP server on 127.0.0.1 serving generated IDX files.

No test reaches a real host: the conftest sets ``NUMERAL_OFFLINE`` and these tests
lift it only with ``NUMERAL_MIRRORS`` pointing at the local server.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from idx_samples import make_arrays, tiny_spec, write_dataset

from numeral import registry
from numeral.datasets import cache_dir, load_dataset
from numeral.download import download_dataset, fetch, mirror_urls
from numeral.errors import DataError, OutputError
from numeral.idx import idx_bytes, read_idx, write_idx
from numeral.registry import FILE_NAMES


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (mode, body)``; 404 for anything else.

    Modes: ``ok``; ``cut`` announces the full length but sends half, then closes;
    ``slow`` waits a second before answering.
    """

    def do_GET(self):
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        mode, body = route
        if mode == "slow":
            time.sleep(1.0)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "cut" else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server; ``server.url`` is its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.requests = {}, []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def refused_url():
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def tiny(monkeypatch):
    """Arrays of a tiny data set, registered as 'tiny' with true checksums."""
    arrays = make_arrays()
    monkeypatch.setitem(registry.REGISTRY, "tiny", tiny_spec(arrays))
    monkeypatch.delenv("NUMERAL_OFFLINE")
    return arrays


def serve(server, folder: str, arrays, mode="ok", damage=None):
    """Put the four files of ``arrays`` at ``/folder/NAME.gz``; return the base URL."""
    for role, array in arrays.items():
        if role == damage:
            array = array.copy()
            array.flat[0] ^= 0xFF
        body = gzip.compress(idx_bytes(array), mtime=0)
        server.routes[f"/{folder}/{FILE_NAMES[role]}.gz"] = (mode, body)
    return f"{server.url}/{folder}/"


def files_under(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


def test_good_download(server, tiny, tmp_path):
    base = serve(server, "a", tiny)
    progress = []

    folder = download_dataset(
        "tiny", tmp_path, mirrors=[base], on_progress=lambda *a: progress.append(a)
    )

    assert folder == tmp_path / "tiny"
    assert files_under(folder) == sorted(f"{n}.gz" for n in FILE_NAMES.values())
    umask = os.umask(0o022)
    os.umask(umask)
    assert (folder / "t10k-labels-idx1-ubyte.gz").stat().st_mode & 0o777 == (
        0o666 & ~umask
    )
    for role, name in FILE_NAMES.items():
        np.testing.assert_array_equal(read_idx(folder / f"{name}.gz"), tiny[role])
    last = {label: (done, total) for label, done, total in progress}
    assert (
        last["tiny/train-images-idx3-ubyte.gz"][0]
        == (last["tiny/train-images-idx3-ubyte.gz"][1])
    )
    assert len(last) == 4


def test_corrupt_download_is_rejected_and_nothing_is_left(server, tiny, tmp_path):
    base = serve(server, "a", tiny, damage="train_images")
    expected = registry.REGISTRY["tiny"].file("train_images").md5
    damaged = tiny["train_images"].copy()
    damaged.flat[0] ^= 0xFF
    found = hashlib.md5(idx_bytes(damaged)).hexdigest()

    with pytest.raises(DataError) as info:
        download_dataset("tiny", tmp_path, mirrors=[base])

    message = str(info.value)
    assert f"{base}train-images-idx3-ubyte.gz: checksum mismatch" in message
    assert f"expected {expected}, found {found}" in message
    assert files_under(tmp_path) == []


def test_interrupted_download_leaves_nothing(server, tiny, tmp_path):
    base = serve(server, "a", tiny, mode="cut")
    size = len(server.routes["/a/train-images-idx3-ubyte.gz"][1])

    with pytest.raises(DataError) as info:
        download_dataset("tiny", tmp_path, mirrors=[base])

    assert "download interrupted" in str(info.value)
    assert f"{size // 2} of {size} bytes" in str(info.value)
    assert files_under(tmp_path) == []


def test_ctrl_c_during_download_leaves_nothing(server, tiny, tmp_path):
    base = serve(server, "a", tiny)

    def interrupt(label, done, total):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_dataset("tiny", tmp_path, mirrors=[base], on_progress=interrupt)
    assert files_under(tmp_path) == []


def test_missing_mirrors_fall_back_to_the_next(
    server, tiny, tmp_path, refused_url, caplog
):
    good = serve(server, "good", tiny)
    missing = f"{server.url}/gone/"

    with caplog.at_level(logging.WARNING, logger="numeral.download"):
        download_dataset("tiny", tmp_path, mirrors=[refused_url, missing, good])

    assert len(files_under(tmp_path / "tiny")) == 4
    assert "/gone/train-images-idx3-ubyte.gz" in server.requests
    assert "HTTP 404" in caplog.text
    assert refused_url in caplog.text


def test_corrupt_mirror_falls_back_to_a_good_one(server, tiny, tmp_path):
    bad = serve(server, "bad", tiny, damage="test_labels")
    good = serve(server, "good", tiny)

    download_dataset("tiny", tmp_path, mirrors=[bad, good])

    labels = read_idx(tmp_path / "tiny" / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(labels, tiny["test_labels"])


def test_every_mirror_failing_lists_each(server, tiny, tmp_path, refused_url):
    missing = f"{server.url}/gone/"
    with pytest.raises(DataError) as info:
        download_dataset("tiny", tmp_path, mirrors=[refused_url, missing])
    message = str(info.value)
    assert "could not download tiny file train-images-idx3-ubyte.gz" in message
    assert f"{refused_url}train-images-idx3-ubyte.gz: " in message
    assert f"{missing}train-images-idx3-ubyte.gz: HTTP 404" in message
    assert files_under(tmp_path) == []


def test_an_error_page_is_not_taken_for_data(server, tiny, tmp_path):
    base = serve(server, "a", tiny)
    page = b"<!DOCTYPE html><html><body>Access denied</body></html>"
    server.routes["/a/train-images-idx3-ubyte.gz"] = ("ok", page)
    with pytest.raises(DataError, match="looks like an HTML or XML page"):
        download_dataset("tiny", tmp_path, mirrors=[base])


def test_a_silent_server_times_out(server, tiny, tmp_path):
    base = serve(server, "a", tiny, mode="slow")
    with pytest.raises(DataError, match=r"no answer within 0.2 s"):
        download_dataset("tiny", tmp_path, mirrors=[base], timeout=0.2)


def test_good_files_are_kept_and_bad_ones_replaced(server, tiny, tmp_path):
    base = serve(server, "a", tiny)
    download_dataset("tiny", tmp_path, mirrors=[base])
    folder = tmp_path / "tiny"
    # a damaged raw copy shadows the good .gz; it must go
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(30, np.uint8))
    server.requests.clear()

    download_dataset("tiny", tmp_path, mirrors=[base])

    assert server.requests == ["/a/train-labels-idx1-ubyte.gz"]
    assert not (folder / "train-labels-idx1-ubyte").exists()
    labels = read_idx(folder / "train-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(labels, tiny["train_labels"])


def test_force_fetches_again(server, tiny, tmp_path):
    base = serve(server, "a", tiny)
    download_dataset("tiny", tmp_path, mirrors=[base])
    server.requests.clear()
    download_dataset("tiny", tmp_path, mirrors=[base], force=True)
    assert len(server.requests) == 4


def test_offline_forbids_downloading(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMERAL_OFFLINE", "1")
    with pytest.raises(DataError, match="switched off by NUMERAL_OFFLINE=1"):
        download_dataset("mnist", tmp_path)
    assert files_under(tmp_path) == []


def test_mirrors_from_the_environment(monkeypatch):
    monkeypatch.setenv("NUMERAL_MIRRORS", "http://a.test/x/ file:///srv/data")
    assert mirror_urls(registry.REGISTRY["kmnist"]) == [
        "http://a.test/x/kmnist/",
        "file:///srv/data/kmnist/",
    ]


@pytest.mark.parametrize("base", ["mirror.test/data", "/srv/data"])
def test_mirrors_that_are_not_urls_are_named(monkeypatch, base):
    monkeypatch.setenv("NUMERAL_MIRRORS", f"http://a.test/x/ {base}")
    with pytest.raises(DataError, match=f"NUMERAL_MIRRORS: '{base}' is not a URL"):
        mirror_urls(registry.REGISTRY["kmnist"])


def test_a_file_in_place_of_the_data_folder_is_named(tmp_path, tiny):
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    mirror = write_dataset(tmp_path / "mirror" / "tiny", tiny)
    with pytest.raises(OutputError, match=f"{blocker} is a file, not a folder"):
        download_dataset("tiny", blocker, mirrors=[mirror.as_uri()])
    assert blocker.read_text() == "a file, not a folder"


def test_file_urls_work(tmp_path, tiny):
    folder = write_dataset(tmp_path / "mirror" / "tiny", tiny)
    dest = tmp_path / "out" / "train-images-idx3-ubyte.gz"
    fetch((folder / dest.name).as_uri(), dest)
    np.testing.assert_array_equal(read_idx(dest), tiny["train_images"])


# ---- through load_dataset: missing data go to the cache -------------------------


def test_load_downloads_missing_data_into_the_cache(server, tiny, monkeypatch):
    serve(server, "m/tiny", tiny)
    monkeypatch.setenv("NUMERAL_MIRRORS", f"{server.url}/m")

    data = load_dataset("tiny")

    assert len(files_under(cache_dir() / "tiny")) == 4
    np.testing.assert_array_equal(data.test_labels, tiny["test_labels"])


def test_load_completes_a_partial_cache_folder(server, tiny, monkeypatch):
    serve(server, "m/tiny", tiny)
    monkeypatch.setenv("NUMERAL_MIRRORS", f"{server.url}/m")
    partial = {r: a for r, a in tiny.items() if r.startswith("train")}
    write_dataset(cache_dir() / "tiny", partial)

    load_dataset("tiny")

    assert sorted(server.requests) == [
        "/m/tiny/t10k-images-idx3-ubyte.gz",
        "/m/tiny/t10k-labels-idx1-ubyte.gz",
    ]


def test_load_offline_names_folders_and_the_command(server, tiny, monkeypatch):
    monkeypatch.setenv("NUMERAL_MIRRORS", f"{server.url}/nothing")
    with pytest.raises(DataError) as info:
        load_dataset("tiny")
    message = str(info.value)
    assert str(cache_dir() / "tiny") in message
    assert "downloading failed" in message
    assert "HTTP 404" in message
    assert "Once online, run: numeral data download tiny" in message


def test_real_mnist_downloads_and_verifies(server, data_dir, tmp_path, monkeypatch):
    for path in (data_dir / "mnist").glob("*.gz"):
        server.routes[f"/mnist/{path.name}"] = ("ok", path.read_bytes())
    monkeypatch.delenv("NUMERAL_OFFLINE")
    monkeypatch.setenv("NUMERAL_MIRRORS", server.url)

    folder = download_dataset("mnist", tmp_path)

    assert len(files_under(folder)) == 4
    assert len(server.requests) == 4
