"""Tests of digits.data.mnist on tiny fake MNIST files: search, checksums, download, split.

No test touches the network: downloads come from HTTP servers on 127.0.0.1
started here, or from ``file://`` URLs, and any other connection is refused.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digits.data import mnist
from digits.data.idx import read_idx, write_idx
from digits.data.mnist import (
    MnistFile,
    candidate_dirs,
    default_cache_dir,
    load_mnist,
    locate_mnist,
    stratified_split,
)
from digits.errors import DataError

N_TRAIN, N_TEST, N_VAL = 100, 30, 20
# deliberately unbalanced, so that stratification has something to preserve
TRAIN_COUNTS = [5, 15, 8, 12, 10, 10, 9, 11, 6, 14]
KEYS = ("train_images", "train_labels", "test_images", "test_labels")
NAMES = {key: f"fake-{key.replace('_', '-')}.gz" for key in KEYS}


# ------------------------------------------------------------------ fixtures


@dataclass
class FakeMnist:
    """Four fake distribution files in ``source`` and the arrays they hold."""

    source: Path
    arrays: dict[str, npt.NDArray[np.uint8]]
    files: dict[str, MnistFile]

    def copy_to(self, folder: Path, keys: tuple[str, ...] = KEYS) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for key in keys:
            shutil.copyfile(self.source / NAMES[key], folder / NAMES[key])
        return folder

    def names(self) -> list[str]:
        return [NAMES[key] for key in KEYS]


def _make_fake_mnist(source: Path) -> FakeMnist:
    rng = np.random.default_rng(123)
    train_labels = rng.permutation(np.repeat(np.arange(10), TRAIN_COUNTS)).astype(np.uint8)
    arrays = {
        # random pixels do not compress, so the train images file spans several download chunks
        "train_images": rng.integers(0, 256, size=(N_TRAIN, 28, 28), dtype=np.uint8),
        "train_labels": train_labels,
        "test_images": rng.integers(0, 256, size=(N_TEST, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(N_TEST) % 10).astype(np.uint8),
    }
    files = {}
    for key, array in arrays.items():
        path = write_idx(source / NAMES[key], array, compress=True)
        data = path.read_bytes()
        files[key] = MnistFile(NAMES[key], hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    return FakeMnist(source, arrays, files)


@pytest.fixture(scope="module")
def _fake_source(tmp_path_factory: pytest.TempPathFactory) -> FakeMnist:
    return _make_fake_mnist(tmp_path_factory.mktemp("fake-mnist"))


@pytest.fixture
def fake(_fake_source: FakeMnist, monkeypatch: pytest.MonkeyPatch) -> FakeMnist:
    """The fake files installed as digits' MNIST (FILES and N_VALIDATION patched)."""
    monkeypatch.setattr(mnist, "FILES", dict(_fake_source.files))
    monkeypatch.setattr(mnist, "N_VALIDATION", N_VAL)
    return _fake_source


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Private cache, no data folder from the environment, and loopback-only sockets."""
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    monkeypatch.delenv("DIGITS_MNIST_MIRRORS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    blocked: list[object] = []
    real_create_connection = socket.create_connection

    def loopback_only(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        if address[0] not in ("127.0.0.1", "localhost", "::1"):
            blocked.append(address)
            raise OSError(f"test refused a connection to {address}")
        return real_create_connection(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", loopback_only)
    yield blocked
    assert blocked == [], f"a test tried to reach the network: {blocked}"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "xdg-cache" / "digits" / "mnist"


@dataclass
class Mirror:
    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def serve() -> Iterator[Callable[..., Mirror]]:
    """Start a real HTTP server on 127.0.0.1 serving a folder; returns a factory."""
    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(folder: Path, *, truncate: bool = False) -> Mirror:
        (folder / "mnist").mkdir(parents=True, exist_ok=True)
        mirror = Mirror("")

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

            def log_message(self, *args: object) -> None:  # keep the test output quiet
                pass

            def do_GET(self) -> None:
                mirror.requests.append(self.path)
                if not truncate:
                    return super().do_GET()
                # announce the whole file, send half of it, hang up
                data = Path(self.translate_path(self.path)).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        mirror.url = f"http://127.0.0.1:{server.server_address[1]}/mnist"  # no trailing slash
        return mirror

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that answers every request with something that is not HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)  # so the loop notices ``stop``
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with conn:
                conn.recv(4096)
                conn.sendall(b"SSH-2.0-not-a-web-server\r\n\r\n")

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/mnist/"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def _unused_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def _corrupt_copy(fake: FakeMnist, folder: Path) -> Path:
    """The four files, each still valid gzip + IDX but with other content (wrong checksums)."""
    folder.mkdir(parents=True, exist_ok=True)
    for key in KEYS:
        array = fake.arrays[key].copy()
        array.flat[0] ^= 1
        write_idx(folder / NAMES[key], array, compress=True)
    return folder


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part") or p.name.startswith("."))


# ----------------------------------------------------------- search order


def test_candidate_dirs_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    assert default_cache_dir() == cache
    assert candidate_dirs() == [cache]
    assert candidate_dirs(tmp_path / "x") == [tmp_path / "x", cache]
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path / "env"))
    assert candidate_dirs(str(tmp_path / "x")) == [tmp_path / "x", tmp_path / "env", cache]
    assert candidate_dirs() == [tmp_path / "env", cache]
    monkeypatch.setenv(mnist.ENV_VAR, "")  # set but empty: ignored
    assert candidate_dirs() == [cache]


def test_cache_defaults_to_home_dot_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "digits" / "mnist"


def test_explicit_folder_wins(fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    explicit = fake.copy_to(tmp_path / "explicit")
    env = fake.copy_to(tmp_path / "env")
    _corrupt_copy(fake, cache)  # never looked at: an earlier folder has all four
    monkeypatch.setenv(mnist.ENV_VAR, str(env))
    assert locate_mnist(explicit, download=False) == explicit
    assert locate_mnist(str(explicit), download=False) == explicit
    assert load_mnist(explicit, download=False).folder == explicit


def test_environment_folder_is_second(
    fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path
) -> None:
    explicit = fake.copy_to(tmp_path / "explicit", KEYS[:3])  # one file short: skipped
    env = fake.copy_to(tmp_path / "env")
    fake.copy_to(cache)
    monkeypatch.setenv(mnist.ENV_VAR, str(env))
    assert locate_mnist(explicit, download=False) == env
    assert locate_mnist(download=False) == env


def test_cache_is_last(fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    explicit = fake.copy_to(tmp_path / "explicit", KEYS[1:])
    env = fake.copy_to(tmp_path / "env", KEYS[:2])
    fake.copy_to(cache)
    monkeypatch.setenv(mnist.ENV_VAR, str(env))
    assert locate_mnist(explicit, download=False) == cache
    monkeypatch.delenv(mnist.ENV_VAR)
    assert locate_mnist(download=False) == cache


def test_a_folder_named_like_a_file_does_not_count(fake: FakeMnist, tmp_path: Path, cache: Path) -> None:
    explicit = fake.copy_to(tmp_path / "explicit", KEYS[:3])
    (explicit / NAMES["test_labels"]).mkdir()
    fake.copy_to(cache)
    assert locate_mnist(explicit, download=False) == cache


# ---------------------------------------------------------------- checksums


def test_checksum_mismatch_names_file_and_both_sums(fake: FakeMnist, tmp_path: Path) -> None:
    folder = fake.copy_to(tmp_path / "data")
    bad = folder / NAMES["test_labels"]
    bad.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05", mtime=0))
    actual_md5 = hashlib.md5(bad.read_bytes()).hexdigest()
    with pytest.raises(DataError) as info:
        locate_mnist(folder, download=False)
    message = str(info.value)
    assert f"Checksum mismatch for {bad}" in message
    assert f"md5 expected {fake.files['test_labels'].md5}, got {actual_md5}" in message
    assert f"{bad.stat().st_size} bytes, expected {fake.files['test_labels'].size}" in message
    assert "delete it" in message


def test_sha256_is_checked_too(fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = fake.copy_to(tmp_path / "data")
    spec = fake.files["train_labels"]
    wrong = "0" * 64
    monkeypatch.setitem(mnist.FILES, "train_labels", MnistFile(spec.name, spec.md5, wrong, spec.size))
    with pytest.raises(DataError) as info:
        load_mnist(folder, download=False)
    message = str(info.value)
    assert str(folder / spec.name) in message
    assert f"sha256 expected {wrong}, got {spec.sha256}" in message


def test_corrupt_file_in_the_first_complete_folder_is_an_error(fake: FakeMnist, tmp_path: Path, cache: Path) -> None:
    # a damaged file is reported, not silently replaced by another folder's copy
    folder = _corrupt_copy(fake, tmp_path / "data")
    fake.copy_to(cache)
    with pytest.raises(DataError, match=f"Checksum mismatch for {folder / NAMES['train_images']}"):
        locate_mnist(folder, download=False)


# ---------------------------------------------------------- missing files


def test_missing_files_without_download(
    fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path
) -> None:
    explicit = fake.copy_to(tmp_path / "explicit", KEYS[:3])
    env = tmp_path / "env"
    monkeypatch.setenv(mnist.ENV_VAR, str(env))
    with pytest.raises(DataError) as info:
        load_mnist(explicit, download=False)
    message = str(info.value)
    assert "MNIST files not found" in message
    assert f"Looked in: {explicit}, {env}, {cache}." in message
    assert "Downloading was turned off" in message
    for name in fake.names():
        assert name in message
    assert mnist.ENV_VAR in message
    assert not cache.exists()  # nothing created


def test_same_folder_listed_once(fake: FakeMnist, monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    monkeypatch.setenv(mnist.ENV_VAR, str(cache))
    with pytest.raises(DataError) as info:
        locate_mnist(download=False)
    assert str(info.value).count(str(cache)) == 1


# ------------------------------------------------------------------ download


def _split_runs(calls: list[tuple[int, int | None]]) -> list[list[tuple[int, int | None]]]:
    """Progress calls grouped per file: consecutive calls with the same total."""
    runs: list[list[tuple[int, int | None]]] = []
    for call in calls:
        if not runs or call[1] != runs[-1][-1][1]:
            runs.append([])
        runs[-1].append(call)
    return runs


def test_download_over_http_into_the_cache(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], cache: Path
) -> None:
    mirror = serve(fake.copy_to(tmp_path / "www" / "mnist").parent)
    calls: list[tuple[int, int | None]] = []

    splits = load_mnist(mirrors=(mirror.url,), progress=lambda got, total: calls.append((got, total)))

    assert splits.folder == cache
    assert sorted(mirror.requests) == sorted(f"/mnist/{name}" for name in fake.names())
    for name in fake.names():
        assert (cache / name).read_bytes() == (fake.source / name).read_bytes()
    assert _leftovers(cache) == []
    # progress: per file, strictly increasing counts that end at the announced size
    # (the fake files' sizes all differ, so the total tells them apart)
    assert len({spec.size for spec in fake.files.values()}) == 4
    runs = _split_runs(calls)
    assert len(runs) == 4
    assert sorted(run[-1][0] for run in runs) == sorted(spec.size for spec in fake.files.values())
    for run in runs:
        counts = [got for got, _ in run]
        assert counts == sorted(set(counts))
        assert {total for _, total in run} == {counts[-1]}
    assert max(len(run) for run in runs) >= 2  # the train images arrive in several chunks
    # the cached copy is used from now on, without asking the server again
    mirror.requests.clear()
    assert load_mnist(mirrors=(mirror.url,)).folder == cache
    assert mirror.requests == []


def test_only_missing_files_are_downloaded(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], cache: Path
) -> None:
    mirror = serve(fake.copy_to(tmp_path / "www" / "mnist").parent)
    fake.copy_to(cache, ("train_images", "test_images"))
    assert locate_mnist(mirrors=(mirror.url,)) == cache
    assert sorted(mirror.requests) == sorted(f"/mnist/{NAMES[k]}" for k in ("train_labels", "test_labels"))


def test_download_from_a_file_url(fake: FakeMnist, cache: Path) -> None:
    splits = load_mnist(mirrors=(fake.source.as_uri() + "/",))
    assert splits.folder == cache
    assert sorted(p.name for p in cache.iterdir()) == sorted(fake.names())
    np.testing.assert_array_equal(splits.test.images, fake.arrays["test_images"])


def test_corrupt_mirror_then_good_mirror(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], cache: Path
) -> None:
    bad = serve(_corrupt_copy(fake, tmp_path / "bad" / "mnist").parent)
    good = serve(fake.copy_to(tmp_path / "good" / "mnist").parent)

    splits = load_mnist(mirrors=(bad.url, good.url))

    assert len(bad.requests) == 4 and len(good.requests) == 4  # every file tried on both
    for name in fake.names():
        assert (cache / name).read_bytes() == (fake.source / name).read_bytes()
    assert _leftovers(cache) == []
    np.testing.assert_array_equal(splits.test.labels, fake.arrays["test_labels"])


def test_every_kind_of_broken_mirror_is_skipped(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], garbage_server: str, cache: Path
) -> None:
    empty = serve(tmp_path / "empty")  # 404 for everything
    cut = serve(fake.copy_to(tmp_path / "cut" / "mnist").parent, truncate=True)
    good = serve(fake.copy_to(tmp_path / "good" / "mnist").parent)
    mirrors = (_unused_port_url(), garbage_server, empty.url, cut.url, good.url)
    assert locate_mnist(mirrors=mirrors) == cache
    assert len(good.requests) == 4
    assert _leftovers(cache) == []


def test_all_mirrors_failing(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], garbage_server: str, cache: Path
) -> None:
    refused = _unused_port_url()
    empty = serve(tmp_path / "empty")
    bad = serve(_corrupt_copy(fake, tmp_path / "bad" / "mnist").parent)
    cut = serve(fake.copy_to(tmp_path / "cut" / "mnist").parent, truncate=True)
    missing_dir = (tmp_path / "nowhere").as_uri()

    with pytest.raises(DataError) as info:
        load_mnist(mirrors=(refused, empty.url, bad.url, cut.url, garbage_server, missing_dir))

    message = str(info.value)
    first = NAMES["train_images"]
    assert "MNIST files not found" in message and "Downloading failed" in message
    # each mirror with its own reason
    assert f"{refused}{first}: [Errno 111] Connection refused" in message
    assert f"{empty.url}/{first}: File not found" in message
    assert f"{bad.url}/{first}: checksum mismatch" in message
    assert f"expected {fake.files['train_images'].sha256}" in message
    assert f"{cut.url}/{first}: checksum mismatch" in message
    assert f"{garbage_server}{first}: SSH-2.0-not-a-web-server" in message
    assert f"{missing_dir}/{first}: [Errno 2] No such file or directory" in message
    # and where to put the files instead
    assert f"Looked in: {cache}." in message
    assert "Put the four files" in message and all(name in message for name in fake.names())
    assert mnist.ENV_VAR in message
    # nothing half-written left behind
    assert not cache.exists() or sorted(p.name for p in cache.iterdir()) == []


def test_failed_download_keeps_only_verified_files(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], cache: Path
) -> None:
    # the mirror has the train files but not the test files
    mirror = serve(fake.copy_to(tmp_path / "www" / "mnist", ("train_images", "train_labels")).parent)
    with pytest.raises(DataError, match="Downloading failed"):
        locate_mnist(mirrors=(mirror.url,))
    assert sorted(p.name for p in cache.iterdir()) == sorted([NAMES["train_images"], NAMES["train_labels"]])
    for name in (NAMES["train_images"], NAMES["train_labels"]):
        assert (cache / name).read_bytes() == (fake.source / name).read_bytes()
    # completing the mirror later finishes the job, fetching only what is missing
    fake.copy_to(tmp_path / "www" / "mnist")
    mirror.requests.clear()
    assert locate_mnist(mirrors=(mirror.url,)) == cache
    assert sorted(mirror.requests) == sorted(f"/mnist/{NAMES[k]}" for k in ("test_images", "test_labels"))


def test_interrupted_download_leaves_nothing(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], cache: Path
) -> None:
    mirror = serve(fake.copy_to(tmp_path / "www" / "mnist").parent)

    def interrupt(got: int, total: int | None) -> None:
        raise KeyboardInterrupt  # the user presses Ctrl-C during the first chunk

    with pytest.raises(KeyboardInterrupt):
        locate_mnist(mirrors=(mirror.url,), progress=interrupt)
    assert sorted(p.name for p in cache.iterdir()) == []


def test_truncated_transfer_leaves_nothing(
    fake: FakeMnist, tmp_path: Path, serve: Callable[..., Mirror], cache: Path
) -> None:
    cut = serve(fake.copy_to(tmp_path / "www" / "mnist").parent, truncate=True)
    calls: list[int] = []
    with pytest.raises(DataError, match="checksum mismatch"):
        locate_mnist(mirrors=(cut.url,), progress=lambda got, total: calls.append(got))
    assert 0 < calls[-1] < fake.files["train_images"].size  # data did arrive, then stopped
    assert sorted(p.name for p in cache.iterdir()) == []


# ------------------------------------------------------------- the split


def _check_split(labels: npt.NDArray[np.integer], n_val: int, train: npt.NDArray, val: npt.NDArray) -> None:
    n = len(labels)
    assert len(val) == n_val and len(train) == n - n_val
    assert np.issubdtype(train.dtype, np.integer) and np.issubdtype(val.dtype, np.integer)
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)  # sorted, no repeats
    assert np.intersect1d(train, val).size == 0
    np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))
    for c in np.unique(labels):
        count = np.sum(labels == c)
        share = count * n_val / n
        assert abs(np.sum(labels[val] == c) - share) < 1, f"class {c}"
        assert abs(np.sum(labels[train] == c) - (count - share)) < 1, f"class {c}"


@pytest.mark.parametrize("n_val", [1, 7, 20, 33, 50, 99])
def test_split_sizes_disjoint_covering_stratified(n_val: int) -> None:
    labels = np.random.default_rng(5).permutation(np.repeat(np.arange(10), TRAIN_COUNTS))
    train, val = stratified_split(labels, n_val, seed=0)
    _check_split(labels, n_val, train, val)


def test_split_on_exactly_divisible_classes() -> None:
    labels = np.repeat(np.arange(10), 30)
    train, val = stratified_split(labels, 60, seed=3)
    assert np.bincount(labels[val]).tolist() == [6] * 10
    assert np.bincount(labels[train]).tolist() == [24] * 10


def test_split_with_sparse_labels_and_a_singleton_class() -> None:
    labels = np.array([3] * 40 + [7] * 19 + [9])
    train, val = stratified_split(labels, 15, seed=1)
    _check_split(labels, 15, train, val)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 9), min_size=2, max_size=300).map(np.array),
    fraction=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_properties(labels: npt.NDArray[np.int64], fraction: float, seed: int) -> None:
    n_val = 1 + int(fraction * (len(labels) - 2))
    train, val = stratified_split(labels, n_val, seed)
    _check_split(labels, n_val, train, val)


def test_split_is_reproducible_and_depends_on_the_seed() -> None:
    labels = np.random.default_rng(0).integers(0, 10, 500)
    a = stratified_split(labels, 100, seed=7)
    b = stratified_split(labels, 100, seed=7)
    c = stratified_split(labels, 100, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    # same class counts whatever the seed
    assert np.bincount(labels[a[1]], minlength=10).tolist() == np.bincount(labels[c[1]], minlength=10).tolist()


@pytest.mark.parametrize("n_val", [0, -1, 50, 51, 1000])
def test_split_rejects_bad_sizes(n_val: int) -> None:
    with pytest.raises(ValueError, match=f"n_val must be between 1 and 49, got {n_val}"):
        stratified_split(np.arange(50) % 10, n_val, seed=0)


# ------------------------------------------------------------ load_mnist


def test_load_fake_mnist(fake: FakeMnist, tmp_path: Path) -> None:
    folder = fake.copy_to(tmp_path / "data")
    splits = load_mnist(folder, download=False)

    assert (len(splits.train), len(splits.val), len(splits.test)) == (
        N_TRAIN - N_VAL,
        N_VAL,
        N_TEST,
    )
    assert len(splits.train) + len(splits.val) == N_TRAIN
    for part in (splits.train, splits.val, splits.test):
        assert part.images.dtype == np.uint8 and part.images.shape == (len(part), 28, 28)
        assert part.labels.dtype == np.uint8 and part.labels.shape == (len(part),)
    assert splits.checksums == {spec.name: spec.sha256 for spec in fake.files.values()}
    assert splits.folder == folder
    # train and val are the rows the stratified split picks, and nothing else
    train_idx, val_idx = stratified_split(fake.arrays["train_labels"], N_VAL, mnist.SPLIT_SEED)
    np.testing.assert_array_equal(splits.train.images, fake.arrays["train_images"][train_idx])
    np.testing.assert_array_equal(splits.val.images, fake.arrays["train_images"][val_idx])
    np.testing.assert_array_equal(splits.val.labels, fake.arrays["train_labels"][val_idx])
    np.testing.assert_array_equal(splits.test.images, fake.arrays["test_images"])
    np.testing.assert_array_equal(splits.test.labels, fake.arrays["test_labels"])
    # the class shares survive in the validation part
    val_counts = np.bincount(splits.val.labels, minlength=10)
    assert np.all(np.abs(val_counts - np.array(TRAIN_COUNTS) * N_VAL / N_TRAIN) < 1)


def test_load_seed_changes_only_the_train_val_split(fake: FakeMnist, tmp_path: Path) -> None:
    folder = fake.copy_to(tmp_path / "data")
    a = load_mnist(folder, download=False)
    b = load_mnist(folder, download=False)
    c = load_mnist(folder, download=False, seed=1)
    np.testing.assert_array_equal(a.val.images, b.val.images)
    assert not np.array_equal(a.val.images, c.val.images)
    np.testing.assert_array_equal(a.test.images, c.test.images)


def test_splits_get_and_head(fake: FakeMnist, tmp_path: Path) -> None:
    splits = load_mnist(fake.copy_to(tmp_path / "data"), download=False)
    assert splits.get("val") is splits.val
    with pytest.raises(ValueError, match="Unknown split 'validation'; expected 'train', 'val' or 'test'"):
        splits.get("validation")
    head = splits.test.head(5)
    assert len(head) == 5 and head.images.shape == (5, 28, 28)
    np.testing.assert_array_equal(head.labels, fake.arrays["test_labels"][:5])
    assert splits.test.head(None) is splits.test


def _install(monkeypatch: pytest.MonkeyPatch, folder: Path, arrays: dict[str, npt.NDArray]) -> None:
    """Write ``arrays`` as the four files in ``folder`` and make them digits' MNIST."""
    files = {}
    for key in KEYS:
        data = write_idx(folder / NAMES[key], arrays[key], compress=True).read_bytes()
        files[key] = MnistFile(NAMES[key], hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    monkeypatch.setattr(mnist, "FILES", files)


def test_images_and_labels_of_different_counts(
    fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    _install(monkeypatch, folder, {**fake.arrays, "test_labels": fake.arrays["test_labels"][:-1]})
    with pytest.raises(DataError, match=f"MNIST test images and labels differ in count in {folder}"):
        load_mnist(folder, download=False)


def test_file_of_the_wrong_kind(fake: FakeMnist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data"
    _install(
        monkeypatch,
        folder,
        {**fake.arrays, "train_labels": fake.arrays["train_labels"].astype(np.int16)},
    )
    with pytest.raises(DataError, match=r"holds int16 of shape \(100,\), not MNIST") as info:
        load_mnist(folder, download=False)
    assert str(folder / NAMES["train_labels"]) in str(info.value)


def test_damaged_idx_behind_matching_checksums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeMnist
) -> None:
    # the checksums match (they were computed from the damaged file), so read_idx has to catch it
    folder = fake.copy_to(tmp_path / "data")
    damaged = folder / NAMES["test_images"]
    damaged.write_bytes(damaged.read_bytes()[:-40])
    data = damaged.read_bytes()
    spec = MnistFile(damaged.name, hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    monkeypatch.setitem(mnist.FILES, "test_images", spec)
    with pytest.raises(DataError, match="cannot be decompressed") as info:
        load_mnist(folder, download=False)
    assert str(damaged) in str(info.value)
    assert read_idx(fake.source / NAMES["test_images"]).shape == (N_TEST, 28, 28)
