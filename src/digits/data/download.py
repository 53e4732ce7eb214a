"""Downloading a file from a list of mirrors, verified before it is kept."""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from digits.fileio import temp_file_beside

ProgressFn = Callable[[int, "int | None"], None]
"""Called with (bytes received so far, total bytes or None) while downloading."""

_CHUNK = 1 << 16


class DownloadError(Exception):
    """Every mirror failed; the message lists each mirror's reason."""


def download_verified(
    file_name: str,
    mirrors: Sequence[str],
    dest: Path,
    *,
    sha256: str,
    timeout: float = 30.0,
    progress: ProgressFn | None = None,
) -> Path:
    """Fetch ``file_name`` from the first mirror that serves it with the right checksum.

    The download streams into a temporary file beside ``dest`` and is renamed
    to ``dest`` only after its SHA-256 matches, so an interrupted or corrupt
    download never leaves a file behind.

    Parameters
    ----------
    file_name : str
        Name appended to each mirror's base URL.
    mirrors : sequence of str
        Base URLs (``https://``, ``http://`` or ``file://``), tried in order.
    dest : pathlib.Path
        Where the verified file is written.
    sha256 : str
        Expected hex SHA-256 of the file.
    timeout : float
        Seconds to wait for a mirror to answer.
    progress : callable, optional
        Receives (bytes so far, total or None) as data arrives.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    DownloadError
        If no mirror delivered a file with the expected checksum.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file_name
        try:
            _fetch_to(url, dest, sha256=sha256, timeout=timeout, progress=progress)
            return dest
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
    raise DownloadError("; ".join(failures) or "no mirrors given")


def _fetch_to(url: str, dest: Path, *, sha256: str, timeout: float, progress: ProgressFn | None) -> None:
    """Stream one URL into ``dest`` via a temporary file, checking the SHA-256."""
    fd, tmp = temp_file_beside(dest)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
        if digest.hexdigest() != sha256:
            raise ValueError(f"checksum mismatch (sha256 {digest.hexdigest()}, expected {sha256})")
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
