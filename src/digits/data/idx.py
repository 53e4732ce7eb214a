"""Reading and writing IDX files, the format MNIST is distributed in.

An IDX file is a big-endian header followed by the raw array::

    bytes 0-1   zero
    byte  2     element type (0x08 uint8, 0x09 int8, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    4 * d       the size of each dimension, big-endian uint32
    ...         the elements, row-major, big-endian

Files may be gzip-compressed; that is detected from the content, not the name.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from digits.errors import DataError
from digits.fileio import atomic_write_bytes

_TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(data: bytes, source: str = "<bytes>") -> npt.NDArray:
    """Decode the bytes of an (uncompressed) IDX file.

    Parameters
    ----------
    data : bytes
        The whole file content.
    source : str
        A name for the data, used in error messages.

    Returns
    -------
    numpy.ndarray
        Array of the shape and element type the header declares, in native
        byte order.

    Raises
    ------
    DataError
        If the magic number, dimensions or length do not match.
    """
    if len(data) < 4:
        raise DataError(f"IDX file {source} is {len(data)} bytes long, too short for a header.")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in _TYPE_CODES or ndim == 0:
        raise DataError(
            f"IDX file {source} has magic number 0x{data[:4].hex()}, which is not an IDX header "
            "(expected 0x0000 then a type code in 08/09/0B/0C/0D/0E and at least one dimension). "
            "The file is not IDX or is damaged."
        )
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataError(
            f"IDX file {source} declares {ndim} dimensions but ends inside its header "
            f"({len(data)} of {header_len} bytes). The file is truncated."
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = _TYPE_CODES[type_code]
    expected = header_len + math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise DataError(
            f"IDX file {source} is {problem}: header declares shape {shape} of {dtype.name}, "
            f"so {expected} bytes, but the file holds {len(data)} bytes."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike[str]) -> npt.NDArray:
    """Read an IDX file, gzip-compressed or not.

    Parameters
    ----------
    path : path-like
        The file to read.

    Returns
    -------
    numpy.ndarray
        The array stored in the file (see :func:`parse_idx`).

    Raises
    ------
    DataError
        If the file cannot be read, is not valid gzip, or is not valid IDX.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read IDX file {path}: {exc.strerror or exc}.") from exc
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(
                f"IDX file {path} looks gzip-compressed but cannot be decompressed ({exc}). "
                "It is truncated or damaged; delete it and fetch it again."
            ) from exc
    return parse_idx(raw, source=str(path))


def encode_idx(array: npt.ArrayLike) -> bytes:
    """Encode an array as the bytes of an IDX file (the inverse of :func:`parse_idx`)."""
    array = np.asarray(array)
    matches = [c for c, d in _TYPE_CODES.items() if (d.kind, d.itemsize) == (array.dtype.kind, array.dtype.itemsize)]
    if not matches:
        raise ValueError(
            f"IDX cannot store elements of type {array.dtype}; use uint8, int8, int16, int32, float32 or float64."
        )
    if array.ndim == 0:
        raise ValueError("IDX needs an array with at least one dimension, got a scalar.")
    code = matches[0]
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=_TYPE_CODES[code]).tobytes()


def write_idx(path: str | os.PathLike[str], array: npt.ArrayLike, *, compress: bool = False) -> Path:
    """Write an array to an IDX file atomically (temp file + rename).

    Parameters
    ----------
    path : path-like
        Destination file.
    array : array-like
        Any array of a type IDX can hold, of any shape.
    compress : bool
        Gzip the file (as the MNIST distribution does).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    data = encode_idx(array)
    if compress:
        data = gzip.compress(data, compresslevel=6, mtime=0)
    atomic_write_bytes(path, data)
    return path
