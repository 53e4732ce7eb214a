"""Run the whole study: load MNIST, run the grid, score the cells, write the report."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digits import __version__
from digits.study.config import StudyConfig
from digits.study.grid import GridResult, ProgressFn, load_study_data, run_grid
from digits.study.report import write_study
from digits.study.summary import Cell, summarize


@dataclass(frozen=True)
class StudyOutcome:
    """What :func:`run_study` produced.

    Attributes
    ----------
    out : pathlib.Path
        The folder holding ``report.md``, ``study.json`` and the figures.
    result : GridResult
        Raw predictions and timings.
    cells : list of Cell
        Every scored (family, variant, test set).
    files : list of pathlib.Path
        The files written.
    """

    out: Path
    result: GridResult
    cells: list[Cell]
    files: list[Path]


def machine() -> dict[str, Any]:
    """CPU count, platform and the load average now (where the OS reports it)."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average": load}


def run_study(
    config: StudyConfig,
    out: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    progress: ProgressFn | None = None,
    on_download: Callable[[int, int | None], None] | None = None,
    command: str = "digits study",
) -> StudyOutcome:
    """Load MNIST, run the grid of ``config``, score it and write the report into ``out``.

    Parameters
    ----------
    config : StudyConfig
        The grid (:data:`~digits.study.config.FULL`, :data:`~digits.study.config.QUICK` or a custom one).
    out : path-like
        Output folder (created if missing; files in it are replaced atomically).
    data_dir : path-like, optional
        Folder with the MNIST files (default: ``$DIGITS_DATA_DIR``, the cache, a download).
    progress : callable, optional
        ``progress(done, total, label)`` per cell.
    on_download : callable, optional
        Progress of an MNIST download: (bytes so far, total or None).
    command : str
        The command line recorded in the report.

    Returns
    -------
    StudyOutcome
    """
    start = time.perf_counter()
    before = machine()
    data = load_study_data(config, data_dir, on_download)
    result = run_grid(config, data, progress)
    cells = summarize(result)
    after = machine()
    meta = {
        "command": command,
        "digits_version": __version__,
        "machine": f"{before['cpus']} CPUs ({before['platform']})",
        "load_average_start": before["load_average"],
        "load_average_end": after["load_average"],
        "wall_seconds": time.perf_counter() - start,
    }
    files = write_study(result, cells, data, Path(out), meta)
    return StudyOutcome(Path(out), result, cells, files)
