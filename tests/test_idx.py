"""Tests of digits.data.idx: the IDX reader and writer on hand-written files."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from digits.data.idx import encode_idx, parse_idx, read_idx, write_idx
from digits.errors import DataError

# (numpy type, IDX type code, big-endian struct letter) from the format's spec
SPEC_TYPES = [
    (np.uint8, 0x08, "B"),
    (np.int8, 0x09, "b"),
    (np.int16, 0x0B, "h"),
    (np.int32, 0x0C, "i"),
    (np.float32, 0x0D, "f"),
    (np.float64, 0x0E, "d"),
]
SHAPES = [(1,), (7,), (3, 4), (2, 3, 5), (2, 1, 3, 2), (0, 28, 28)]


def _sample(dtype: type, shape: tuple[int, ...], seed: int = 0) -> npt.NDArray:
    """An array of ``dtype`` with values spread over the type's range, extremes included."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size=n, endpoint=True, dtype=dtype)
        values[: min(n, 2)] = [info.min, info.max][: min(n, 2)]
    else:
        values = (rng.standard_normal(n) * 1e3).astype(dtype)
        special: npt.NDArray = np.array([-0.0, np.inf, -np.inf, np.finfo(dtype).tiny], dtype=dtype)
        values[: min(n, 4)] = special[: min(n, 4)]
    return values.reshape(shape)


def _parts(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


# --------------------------------------------------------------- round trips


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", [t[0] for t in SPEC_TYPES], ids=lambda t: np.dtype(t).name)
def test_round_trip_every_type_and_shape(tmp_path: Path, dtype: type, shape: tuple[int, ...], compress: bool) -> None:
    array = _sample(dtype, shape)
    path = write_idx(tmp_path / "a.idx", array, compress=compress)

    assert path == tmp_path / "a.idx"
    assert (path.read_bytes()[:2] == b"\x1f\x8b") is compress
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)  # native byte order
    assert back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    assert back.tobytes() == array.tobytes()  # bit-exact, -0.0 included
    assert back.flags.writeable
    assert _parts(tmp_path) == []


@pytest.mark.parametrize("dtype, code, letter", SPEC_TYPES, ids=[np.dtype(t[0]).name for t in SPEC_TYPES])
def test_encode_matches_the_spec_byte_by_byte(dtype: type, code: int, letter: str) -> None:
    array = _sample(dtype, (2, 3), seed=1)
    expected = struct.pack(">BBBB", 0, 0, code, 2) + struct.pack(">II", 2, 3)
    expected += struct.pack(f">{array.size}{letter}", *array.ravel().tolist())
    assert encode_idx(array) == expected


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_reader_decodes_a_hand_built_file(tmp_path: Path, compress: bool) -> None:
    # an MNIST-like label file (magic 2049 = 0x00000801) and image file (2051), built
    # with struct alone, independently of encode_idx
    labels = [7, 2, 1, 0, 4]
    label_bytes = struct.pack(">iI", 2049, len(labels)) + bytes(labels)
    pixels = list(range(0, 256, 256 // 12))[:12]  # 2 images of 2x3
    image_bytes = struct.pack(">iIII", 2051, 2, 2, 3) + bytes(pixels)
    # a float64 matrix and an int16 vector with negative values
    floats = [1.5, -2.25, 3e300, -0.0]
    float_bytes = struct.pack(">BBBBII", 0, 0, 0x0E, 2, 2, 2) + struct.pack(">4d", *floats)
    shorts = [-32768, -1, 0, 258, 32767]
    short_bytes = struct.pack(">HBBI", 0, 0x0B, 1, 5) + struct.pack(">5h", *shorts)

    files = {}
    for name, data in [
        ("l", label_bytes),
        ("i", image_bytes),
        ("f", float_bytes),
        ("s", short_bytes),
    ]:
        files[name] = tmp_path / name
        files[name].write_bytes(gzip.compress(data) if compress else data)

    np.testing.assert_array_equal(read_idx(files["l"]), np.array(labels, dtype=np.uint8))
    images = read_idx(files["i"])
    assert images.dtype == np.uint8 and images.shape == (2, 2, 3)
    assert images.ravel().tolist() == pixels
    assert images[1, 0, 2] == pixels[6 + 2]  # row-major
    f = read_idx(files["f"])
    assert f.dtype == np.float64 and f.shape == (2, 2)
    assert f.ravel().tolist() == floats and np.signbit(f[1, 1])
    s = read_idx(files["s"])
    assert s.dtype == np.int16 and s.tolist() == shorts


def test_parse_idx_matches_read_idx_and_names_its_source() -> None:
    data = encode_idx(np.arange(6, dtype=np.int32).reshape(2, 3))
    np.testing.assert_array_equal(parse_idx(data), np.arange(6).reshape(2, 3))
    with pytest.raises(DataError, match="my-source"):
        parse_idx(data[:-1], source="my-source")


def test_gzip_is_detected_from_content_not_name(tmp_path: Path) -> None:
    array = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "plain.gz", array)  # plain content despite the name
    write_idx(tmp_path / "packed.idx", array, compress=True)  # gzip despite the name
    np.testing.assert_array_equal(read_idx(tmp_path / "plain.gz"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed.idx"), array)


def test_compressed_output_is_deterministic(tmp_path: Path) -> None:
    array = _sample(np.uint8, (5, 28, 28))
    a = write_idx(tmp_path / "a.gz", array, compress=True).read_bytes()
    b = write_idx(tmp_path / "b.gz", array, compress=True).read_bytes()
    assert a == b  # mtime=0: same array, same bytes (so the same checksum)


def test_non_contiguous_and_foreign_byte_order_input(tmp_path: Path) -> None:
    base = np.arange(24, dtype=np.int32).reshape(4, 6)
    for array in (
        base.T,
        base[:, ::2],
        np.asfortranarray(base),
        base.astype(">i4"),
        base.astype("<i4"),
    ):
        back = read_idx(write_idx(tmp_path / "x", array))
        assert back.shape == array.shape
        np.testing.assert_array_equal(back, array)
    assert encode_idx(base.astype(">i4")) == encode_idx(base.astype("<i4"))


def test_accepts_array_likes(tmp_path: Path) -> None:
    back = read_idx(write_idx(tmp_path / "x", [[1.5, 2.5], [3.5, 4.5]]))
    assert back.dtype == np.float64 and back.tolist() == [[1.5, 2.5], [3.5, 4.5]]


def test_write_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "a" / "b" / "c.idx", np.zeros(3, np.uint8))
    assert read_idx(path).tolist() == [0, 0, 0]


# ------------------------------------------------------- encode_idx rejects


@pytest.mark.parametrize(
    "dtype",
    [np.bool_, np.uint16, np.uint32, np.int64, np.uint64, np.float16, np.complex64, object, "U3"],
)
def test_encode_rejects_unsupported_types(dtype: npt.DTypeLike) -> None:
    array = np.zeros(3, dtype=dtype)
    with pytest.raises(ValueError, match="IDX cannot store") as info:
        encode_idx(array)
    message = str(info.value)
    assert str(array.dtype) in message  # what was received
    assert "uint8, int8, int16, int32, float32 or float64" in message  # the fix


@pytest.mark.parametrize("scalar", [np.uint8(3), np.array(2.5), np.int16(-7)])
def test_encode_rejects_scalars(scalar: npt.ArrayLike) -> None:
    with pytest.raises(ValueError, match="at least one dimension, got a scalar"):
        encode_idx(scalar)


# -------------------------------------------------------- damaged files


def _write(tmp_path: Path, data: bytes, name: str = "bad.idx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


GOOD = struct.pack(">HBBII", 0, 0x08, 2, 3, 4) + bytes(range(12))


@pytest.mark.parametrize(
    "header, shown",
    [
        (b"\x01\x00\x08\x01", "0x01000801"),  # first byte not zero
        (b"\x00\x07\x08\x01", "0x00070801"),  # second byte not zero
        (b"\x00\x00\x0a\x01", "0x00000a01"),  # unknown type code
        (b"\x00\x00\x07\x01", "0x00000701"),  # unknown type code
        (b"\x00\x00\x08\x00", "0x00000800"),  # zero dimensions
        (b"PK\x03\x04", "0x504b0304"),  # a zip file, say
    ],
    ids=["byte0", "byte1", "type0A", "type07", "zero-dims", "zip"],
)
def test_wrong_magic(tmp_path: Path, header: bytes, shown: str) -> None:
    path = _write(tmp_path, header + GOOD[4:])
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert shown in message
    assert "not an IDX header" in message
    assert "08/09/0B/0C/0D/0E" in message


@pytest.mark.parametrize("length", [0, 1, 3])
def test_too_short_for_a_header(tmp_path: Path, length: int) -> None:
    path = _write(tmp_path, GOOD[:length])
    with pytest.raises(DataError) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert f"is {length} bytes long, too short for a header" in str(info.value)


@pytest.mark.parametrize("length", [4, 8, 11])
def test_truncated_inside_the_dimensions(tmp_path: Path, length: int) -> None:
    path = _write(tmp_path, GOOD[:length])
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "declares 2 dimensions but ends inside its header" in message
    assert f"({length} of 12 bytes)" in message
    assert "truncated" in message


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_truncated_data(tmp_path: Path, compress: bool) -> None:
    data = GOOD[:-5]
    path = _write(tmp_path, gzip.compress(data) if compress else data)
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "is truncated" in message
    assert "shape (3, 4) of uint8" in message
    assert "so 24 bytes, but the file holds 19 bytes" in message


def test_extra_trailing_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + b"\x00\x00\x00")
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "longer than its header says" in message
    assert "so 24 bytes, but the file holds 27 bytes" in message


def test_element_size_is_taken_into_account(tmp_path: Path) -> None:
    # 3 float64 need 24 data bytes; 12 (what uint8 would need for 3x4) is too few
    data = struct.pack(">HBBI", 0, 0x0E, 1, 3) + b"\x00" * 12
    with pytest.raises(DataError, match=r"shape \(3,\) of float64, so 32 bytes, but the file holds 20"):
        read_idx(_write(tmp_path, data))


def test_huge_declared_shape_is_a_data_error_not_a_crash(tmp_path: Path) -> None:
    # 2**22 * 2**21 * 2**21 == 2**64: an int64 product wraps to 0 and would
    # accept a bare header; the reader must report the real size
    data = struct.pack(">HBB3I", 0, 0x08, 3, 2**22, 2**21, 2**21)
    with pytest.raises(DataError, match=f"so {12 + 2**64 + 4} bytes, but the file holds 16 bytes"):
        read_idx(_write(tmp_path, data))


@pytest.mark.parametrize("keep", [0.5, 0.9], ids=["half", "most"])
def test_truncated_gzip(tmp_path: Path, keep: float) -> None:
    packed = gzip.compress(encode_idx(_sample(np.uint8, (20, 28, 28))))
    path = _write(tmp_path, packed[: int(len(packed) * keep)], "cut.gz")
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "looks gzip-compressed but cannot be decompressed" in message
    assert "truncated or damaged" in message


def test_gzip_with_wrong_crc(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(GOOD))
    packed[-8] ^= 0xFF  # the CRC32 in the trailer
    path = _write(tmp_path, bytes(packed), "crc.gz")
    with pytest.raises(DataError, match="cannot be decompressed") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_gzip_with_garbled_deflate_stream(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(encode_idx(_sample(np.uint8, (4, 28, 28)))))
    packed[12:40] = b"\xff" * 28
    path = _write(tmp_path, bytes(packed), "garbled.gz")
    with pytest.raises(DataError, match="cannot be decompressed") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Cannot read IDX file") as info:
        read_idx(tmp_path / "nope.idx")
    assert str(tmp_path / "nope.idx") in str(info.value)
    assert "No such file" in str(info.value)
    with pytest.raises(DataError, match="Cannot read IDX file"):
        read_idx(tmp_path)


# --------------------------------------------------------------- atomicity


def test_write_leaves_no_part_file_and_replaces_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "a.idx"
    write_idx(path, np.zeros(5, np.uint8))
    write_idx(path, np.arange(3, dtype=np.int16), compress=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.idx"]
    np.testing.assert_array_equal(read_idx(path), np.arange(3, dtype=np.int16))


@pytest.mark.parametrize("bad", [np.zeros(3, np.int64), np.float32(1.0)], ids=["int64", "scalar"])
def test_failed_encode_leaves_the_old_file_intact(tmp_path: Path, bad: npt.ArrayLike) -> None:
    path = write_idx(tmp_path / "a.idx", np.arange(4, dtype=np.uint8))
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_idx(path, bad)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.idx"]


def test_failed_encode_creates_no_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_idx(tmp_path / "new.idx", np.zeros(2, np.uint64))
    assert list(tmp_path.iterdir()) == []


def test_write_interrupted_before_rename_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_idx(tmp_path / "a.idx", np.arange(4, dtype=np.uint8))
    before = path.read_bytes()
    renamed = []

    def failing_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        renamed.append((Path(src), Path(dst)))
        assert Path(src).is_file() and Path(src).name.endswith(".part")  # the data went to a temp file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        write_idx(path, np.arange(100, dtype=np.float64), compress=True)
    monkeypatch.undo()

    assert len(renamed) == 1 and renamed[0][1] == path
    assert renamed[0][0].parent == tmp_path  # same folder, so the rename is atomic
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.idx"]
