"""Progress bars for the command line (stderr, so stdout stays clean for --json)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from tqdm import tqdm

EpochFn = Callable[[int, int, dict[str, float]], None]
DownloadFn = Callable[[int, "int | None"], None]


@contextlib.contextmanager
def epoch_bar(desc: str, enabled: bool = True) -> Iterator[EpochFn]:
    """A bar advanced by a model's per-epoch callback, showing its metrics."""
    bar: tqdm | None = None

    def update(epoch: int, n_epochs: int, metrics: dict[str, float]) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=n_epochs, desc=desc, unit="epoch", file=sys.stderr, disable=not enabled)
        bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()}, refresh=False)
        bar.update(epoch - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


@contextlib.contextmanager
def count_bar(
    desc: str, enabled: bool = True, *, unit: str = "it", unit_scale: bool = False
) -> Iterator[Callable[..., None]]:
    """A bar advanced by a ``(done, total[, label])`` callback; shown once the callback is first called.

    ``label``, if given, is shown after the bar (the item being worked on).
    """
    bar: tqdm | None = None

    def update(done: int, total: int | None, label: str | None = None) -> None:
        nonlocal bar
        if bar is None or (total is not None and bar.total != total) or done < bar.n:
            if bar is not None:
                bar.close()
            bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=sys.stderr, disable=not enabled)
        if label is not None:
            bar.set_postfix_str(label, refresh=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def download_bar(enabled: bool = True) -> contextlib.AbstractContextManager[DownloadFn]:
    """A byte-count bar for MNIST downloads; shown only if a download happens."""
    return count_bar("download MNIST", enabled, unit="B", unit_scale=True)
