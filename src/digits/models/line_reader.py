"""A reader of whole lines of digits: a small CNN and a bidirectional GRU trained with CTC.

Cutting a line into single digits fails where digits touch or overlap so
much that no vertical cut separates them (a "19" written as one stroke). A
line reader never cuts: it reads the strip of a line
(:func:`digits.imaging.lines.line_strip`, 32 pixels high) as a sequence of
frames, one every 2 columns, and emits a digit or nothing ("blank") for each;
repeated emissions merge, as in connectionist temporal classification
(CTC, Graves et al. 2006). Punctuation and stray marks were never labelled
in training, so they read as blank.

The shipped reader lives in ``digits/weights/line-reader`` (``model.json``
and ``weights.safetensors``); :func:`digits.models.line_train.train_line_reader`
makes one. torch is imported when a reader is built or loaded.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.special import softmax

from digits.errors import ModelFileError
from digits.imaging.lines import HEIGHT
from digits.models.pretrained import packaged_weights
from digits.models.store import card_temperature
from digits.models.torch_model import prediction_threads

if TYPE_CHECKING:
    import torch

FORMAT = 1
NAME = "line-reader"
WEIGHTS = "weights.safetensors"
CARD = "model.json"
STRIDE = 2
"""Strip columns per output frame."""
BLANK = 0
"""Output class 0 is CTC's blank; class d + 1 is digit d."""


@dataclass(frozen=True)
class LineDigit:
    """One digit read from a strip.

    Attributes
    ----------
    digit : int
    confidence : float
        The highest probability the reader gave this digit over its frames
        (calibrated when the reader's card records a temperature).
    at : float
        Strip column of the middle of the frames that emitted it.
    span : (float, float)
        Strip columns it was read from: halfway to the neighbouring digits' frames
        (to the strip's ends for the first and last).
    probabilities : tuple of 10 floats
        Digits 0-9 at the frame of that highest probability, blank left out and the rest rescaled to sum to 1.
    """

    digit: int
    confidence: float
    at: float
    span: tuple[float, float]
    probabilities: tuple[float, ...]


def build_net(channels: tuple[int, ...] = (16, 32, 64, 64), hidden: int = 96) -> torch.nn.Module:
    """The network: strips (n, 1, 32, w) to per-frame log-probabilities (n, w // 2, 11).

    Four 3x3 convolutions with batch norm and ReLU; the first pooling halves
    both sides, the next three halve the height only, leaving 2 rows that a
    linear layer folds into each frame's features; a bidirectional GRU reads
    the frames in both directions.
    """
    import torch
    from torch import nn

    class LineNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layers: list[nn.Module] = []
            width = 1
            for i, c in enumerate(channels):
                layers += [nn.Conv2d(width, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
                layers.append(nn.MaxPool2d((2, 2) if i == 0 else (2, 1)))
                width = c
            self.conv = nn.Sequential(*layers)
            rows = HEIGHT // 2 ** len(channels)
            self.fold = nn.Linear(width * rows, hidden)
            self.rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * hidden, 11)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            f = self.conv(x)  # (n, c, rows, w // 2)
            f = f.permute(0, 3, 1, 2).flatten(2)  # (n, frames, c * rows)
            f, _ = self.rnn(torch.relu(self.fold(f)))
            return torch.log_softmax(self.out(f), dim=-1)

    return LineNet()


class LineReader:
    """A trained line reader: strips in, digits out.

    Parameters
    ----------
    net : torch.nn.Module
        From :func:`build_net`, trained.
    card : dict
        Its ``model.json``: ``params`` (the :func:`build_net` arguments) and ``info``.
    """

    def __init__(self, net: torch.nn.Module, card: dict[str, Any]) -> None:
        self.net = net.eval()
        self.card = card

    def read(self, strips: list[npt.NDArray[np.float32]]) -> list[list[LineDigit]]:
        """The digits of each strip (32, w_i) of ink 0..1, left to right."""
        if not strips:
            return []
        return [decode(lp, self.temperature) for lp in self.log_probabilities(strips)]

    @property
    def temperature(self) -> float:
        """The confidence temperature fitted on validation rows (``info.calibration``); 1 when none was.

        Raises :class:`ModelFileError` when the card's temperature is not a positive number.
        """
        return card_temperature(self.card.get("info", {})) or 1.0

    def log_probabilities(self, strips: list[npt.NDArray[np.float32]]) -> list[npt.NDArray[np.float32]]:
        """Per-frame log-probabilities (w_i // 2, 11) of each strip (32, w_i).

        Each strip goes through the network alone: zero padding to a common width
        would reach the backward GRU before the writing does.
        """
        import torch

        for s in strips:
            if s.ndim != 2 or s.shape[0] != HEIGHT or s.shape[1] < STRIDE:
                raise ValueError(f"A strip must be ({HEIGHT}, w >= {STRIDE}), got {s.shape}.")
        out = []
        with prediction_threads(1), torch.inference_mode():
            for s in strips:
                x = torch.from_numpy(np.ascontiguousarray(s, dtype=np.float32))[None, None]
                out.append(self.net(x)[0].numpy())
        return out

    def save(self, folder: str | Path) -> None:
        """Write ``model.json`` and ``weights.safetensors`` into ``folder`` (created)."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.net.state_dict().items()}
        save_file(state, str(folder / WEIGHTS))
        (folder / CARD).write_text(json.dumps(self.card, indent=2) + "\n")


def frame_probabilities(logp: npt.NDArray[np.float32], temperature: float = 1.0) -> npt.NDArray[np.float64]:
    """Per-frame probabilities (frames, 11), blank first, of per-frame log-probabilities (frames, 11):
    ``softmax(logp / temperature)``."""
    return np.asarray(softmax(logp.astype(np.float64) / temperature, axis=1))


def decode(logp: npt.NDArray[np.float32], temperature: float = 1.0) -> list[LineDigit]:
    """Best-path CTC decoding of per-frame log-probabilities (frames, 11).

    ``temperature`` scales the confidences (frame probabilities ``softmax(logp / T)``),
    not which digits are read.
    """
    return decode_frames(frame_probabilities(logp, temperature))


def decode_frames(prob: npt.NDArray[np.float64]) -> list[LineDigit]:
    """:func:`decode` of per-frame probabilities (frames, 11), blank first (:func:`frame_probabilities`)."""
    best = prob.argmax(axis=1)
    runs: list[tuple[int, int, int]] = []  # (digit, first frame, last frame)
    previous = BLANK
    for t, label in enumerate(best):
        if label != BLANK and label == previous:
            runs[-1] = (runs[-1][0], runs[-1][1], t)
        elif label != BLANK:
            runs.append((int(label) - 1, t, t))
        previous = label
    digits = []
    centres = [(a + b + 1) / 2 * STRIDE for _, a, b in runs]
    for i, (digit, a, b) in enumerate(runs):
        left = 0.0 if i == 0 else (centres[i - 1] + centres[i]) / 2
        right = len(best) * STRIDE if i == len(runs) - 1 else (centres[i] + centres[i + 1]) / 2
        peak = a + int(np.argmax(prob[a : b + 1, digit + 1]))
        rest = prob[peak, 1:] / prob[peak, 1:].sum()
        digits.append(LineDigit(digit, float(prob[peak, digit + 1]), centres[i], (left, right), tuple(rest.tolist())))
    return digits


def load_line_reader(folder: str | os.PathLike[str] | None = None) -> LineReader:
    """A reader saved by :meth:`LineReader.save`; the first shipped one (``line-reader``) by default.

    Raises
    ------
    ModelFileError
        When the folder lacks its files, or they do not fit together.
    """
    folder = packaged_weights(NAME) if folder is None else Path(folder)
    try:
        card = json.loads((folder / CARD).read_text())
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"Cannot read the line reader's {CARD} in {folder}: {exc}.") from exc
    if not isinstance(card, dict) or card.get("format") != FORMAT or card.get("name") != NAME:
        raise ModelFileError(f"{folder / CARD} is not a {NAME} card of format {FORMAT}.")
    card_temperature(card.get("info", {}))  # a broken temperature is refused now, not at the first read
    params = card.get("params", {})
    try:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        net = build_net(tuple(params["channels"]), int(params["hidden"]))
        net.load_state_dict(load_file(str(folder / WEIGHTS)))
    except (OSError, KeyError, TypeError, RuntimeError, SafetensorError) as exc:
        raise ModelFileError(f"Cannot load the line reader's weights from {folder}: {exc}.") from exc
    return LineReader(net, card)


SHIPPED = (NAME, "line-reader-b")
"""The shipped readers' folders in ``digits/weights``, trained apart: ``read`` pairs them (:func:`best_text`)."""
SHIPPED_LOOSE = ("loose-reader", "loose-reader-b")
"""The shipped pair fine-tuned on rows of which 30 % are written loosely (``digits train-reader --loose 0.3``):
``read`` reads unevenly written lines with them (``ReadOptions.loose_spread``)."""
SHIPPED_WORDS = ("word-reader", "word-reader-b")
"""Two more shipped readers, the pair above fine-tuned on rows where 25 % carry a printed word
(``digits train-reader --words 0.25``), then again with 15 % of the rows print alone (``--text-lines 0.15``),
then again with half of those words and lines written by hand (``--hand-words 0.5``): ``read`` asks them
only where a line's words are, and whether a line is words alone."""


@functools.cache
def shipped_line_readers(names: tuple[str, ...] = SHIPPED) -> tuple[LineReader, ...]:
    """The readers ``names`` shipped in the package, loaded once per process and shared (their predictions
    take a lock): the pair that reads (:data:`SHIPPED`) by default, :data:`SHIPPED_LOOSE` or :data:`SHIPPED_WORDS`."""
    return tuple(load_line_reader(packaged_weights(name)) for name in names)


def text_log_likelihood(logp: npt.NDArray[np.float32], text: str) -> float:
    """log P(``text`` | frames) under CTC: the sum over every alignment of the digits ``text`` to the frames.

    ``logp`` (frames, 11) are per-frame log-probabilities, blank first (the CTC forward algorithm,
    Graves et al. 2006, in log space). ``-inf`` when the frames are too few for the text.
    """
    labels = [BLANK]
    for c in text:
        labels += [int(c) + 1, BLANK]
    ext = np.array(labels)
    # a step of 2 skips a blank between two different digits
    skip = np.zeros(len(ext), bool)
    skip[2:] = (ext[2:] != BLANK) & (ext[2:] != ext[:-2])
    lp = logp.astype(np.float64)
    alpha = np.full(len(ext), -np.inf)
    alpha[0] = lp[0, BLANK]
    if len(ext) > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, len(lp)):
        one, two = np.full_like(alpha, -np.inf), np.full_like(alpha, -np.inf)
        one[1:] = alpha[:-1]
        two[skip] = alpha[:-2][skip[2:]]
        alpha = np.logaddexp(np.logaddexp(alpha, one), two) + lp[t, ext]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if len(ext) > 1 else alpha[-1])


def best_text(logps: list[npt.NDArray[np.float32]], texts: list[str]) -> int:
    """Which of several readers' views of one strip to follow: the index of the text that has the
    largest summed :func:`text_log_likelihood` under all of them (the first on a tie).

    ``logps``: each reader's per-frame log-probabilities (frames, 11) of the same strip;
    ``texts``: each reader's best-path text of it (:func:`decode`). Readers trained apart put
    their CTC peaks on different frames, so their frame probabilities cannot be averaged
    (BENCHMARKS.md); their texts can be scored by all of them.
    """
    if len(set(texts)) == 1:
        return 0
    scores = [sum(text_log_likelihood(logp, text) for logp in logps) for text in texts]
    return int(np.argmax(scores))
