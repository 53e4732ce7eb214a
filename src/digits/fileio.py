"""Small file helpers: atomic writes, atomic folders and checksums.

Nothing digits writes is ever left half-written: files go to a temporary name
in the same folder and are renamed into place; whole folders (a saved model)
are built under a temporary name and swapped in at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_file_beside(path: Path) -> tuple[int, str]:
    """Open a new temporary file next to ``path`` (same file system, so a rename is atomic).

    Unlike :func:`tempfile.mkstemp`'s private 0600, the file gets the usual
    permissions (0666 less the umask), which it keeps when renamed into place.

    Returns
    -------
    fd, name
        The open file descriptor and the temporary file's path.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.chmod(tmp, 0o666 & ~_umask())
    return fd, tmp


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


@contextlib.contextmanager
def atomic_directory(target: Path, *, marker: str) -> Iterator[Path]:
    """Build a folder under a temporary name and move it to ``target`` on success.

    Parameters
    ----------
    target : pathlib.Path
        The folder to create or replace.
    marker : str
        A file name that identifies folders this code may replace. An existing
        non-empty ``target`` without it is refused rather than deleted.

    Yields
    ------
    pathlib.Path
        The temporary folder to fill. It is deleted if the block raises.
    """
    target = Path(target)
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / marker).exists())):
        raise FileExistsError(
            f"{target} exists and is not a folder digits wrote (no {marker} in it); "
            "choose another --out folder or remove it."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part"))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def file_digests(path: Path, algorithms: tuple[str, ...] = ("sha256",)) -> dict[str, str]:
    """Hex digests of a file's content for each named hashlib algorithm."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            for h in hashers.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashers.items()}
