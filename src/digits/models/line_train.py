"""Training a line reader (:mod:`digits.models.line_reader`) with CTC on strips of rows of digits.

Batches hold strips of similar widths (sorted within pools of 50 batches),
zero-padded on the right; each batch is stretched horizontally by a random
factor (0.8-1.25) and shifted up or down by up to 2 pixels. AdamW with a
one-cycle learning rate; the weights of the epoch that reads most
validation strips exactly are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.models.line_reader import FORMAT, NAME, STRIDE, LineReader, build_net, decode

Progress = Callable[[str], None]


def train_line_reader(
    strips: list[npt.NDArray[np.uint8]],
    texts: list[str],
    val_strips: list[npt.NDArray[np.uint8]],
    val_texts: list[str],
    *,
    epochs: int = 12,
    batch_size: int = 64,
    learning_rate: float = 2e-3,
    channels: tuple[int, ...] = (16, 32, 64, 64),
    hidden: int = 96,
    seed: int = 0,
    device: str = "auto",
    init: LineReader | None = None,
    log: Progress | None = None,
) -> LineReader:
    """Train a line reader on strips (32, w_i) of uint8 ink and the digit texts they show.

    ``init``: start from this reader's weights (its ``channels`` and ``hidden``
    replace the arguments) rather than from random ones; its card's ``info``
    is kept under ``info["init"]``.

    Returns
    -------
    LineReader
        On the CPU, with ``card["info"]`` holding the validation exact-line
        accuracy per epoch, the best one, the training time and the confidence
        temperature fitted on the validation strips (:func:`fit_temperature`).
    """
    import torch

    if not strips or len(strips) != len(texts) or len(val_strips) != len(val_texts):
        raise ValueError("Need as many texts as strips, and at least one strip.")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)
    if init is not None:
        channels, hidden = tuple(init.card["params"]["channels"]), int(init.card["params"]["hidden"])
    net = build_net(channels, hidden)
    if init is not None:
        net.load_state_dict(init.net.state_dict())
    net = net.to(dev)
    steps = epochs * len(_batches(strips, batch_size, rng))
    optimizer = torch.optim.AdamW(net.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, learning_rate, total_steps=steps, pct_start=0.15)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    history: list[dict[str, float]] = []
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    start = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        losses = []
        for batch in _batches(strips, batch_size, rng):
            x, widths = _stack([strips[i] for i in batch])
            x, widths = _augment(torch.from_numpy(x), widths, rng)
            targets = torch.tensor([int(c) + 1 for i in batch for c in texts[i]], dtype=torch.long)
            target_lengths = torch.tensor([len(texts[i]) for i in batch], dtype=torch.long)
            logp = net(x.to(dev))  # (n, frames, 11)
            frames = torch.tensor([w // STRIDE for w in widths], dtype=torch.long)
            loss = ctc(logp.permute(1, 0, 2).float(), targets, frames, target_lengths)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        exact = _exact(net, val_strips, val_texts, dev)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_exact": exact})
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.4f}, validation lines read exactly {exact:.2%}")
        if exact > best[0]:
            best = (exact, {k: v.detach().cpu().clone() for k, v in net.state_dict().items()})
    net = net.cpu()
    net.load_state_dict(best[1])
    reader = LineReader(net, {})
    calibration = fit_temperature(reader.log_probabilities(_floats(val_strips)), val_texts) if val_strips else None
    card = {
        "format": FORMAT,
        "name": NAME,
        "params": {"channels": list(channels), "hidden": hidden},
        "info": {
            "n_train": len(strips),
            "n_val": len(val_strips),
            "val_exact": best[0],
            "epochs": epochs,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "seed": seed,
            "device": str(dev),
            "fit_seconds": time.perf_counter() - start,
            "history": history,
            "calibration": calibration,
            **({"init": init.card.get("info", {})} if init is not None else {}),
        },
    }
    return LineReader(net, card)


TEMPERATURES = np.round(np.arange(0.5, 4.01, 0.05), 2)


def fit_temperature(logps: list[npt.NDArray[np.float32]], texts: list[str]) -> dict[str, Any]:
    """The temperature of :func:`decode` whose digit confidences have the least expected calibration error.

    Digits are judged right or wrong position by position in lines read with
    the right number of digits (the others have no digit-by-digit truth).
    Returns ``{"temperature", "ece_before", "ece_after", "n_digits"}`` (ECE at T = 1 and at the fit).
    """
    from digits.evaluation.calibration import reliability_from_confidence

    read = [decode(lp) for lp in logps]
    kept = [i for i, (r, t) in enumerate(zip(read, texts, strict=True)) if len(r) == len(t) and t]
    if not kept:
        return {"temperature": 1.0, "ece_before": None, "ece_after": None, "n_digits": 0}
    right = np.array([d.digit == int(c) for i in kept for d, c in zip(read[i], texts[i], strict=True)])

    def ece(temperature: float) -> float:
        confidence = [d.confidence for i in kept for d in decode(logps[i], temperature)]
        return reliability_from_confidence(confidence, right).ece

    errors = [ece(t) for t in TEMPERATURES]
    best = int(np.argmin(errors))
    return {
        "temperature": float(TEMPERATURES[best]),
        "ece_before": ece(1.0),
        "ece_after": errors[best],
        "n_digits": int(right.size),
    }


def _batches(strips: list[npt.NDArray[np.uint8]], size: int, rng: np.random.Generator) -> list[npt.NDArray[np.int64]]:
    """Index batches of similar widths, in random order."""
    order = rng.permutation(len(strips))
    pool = 50 * size
    batches = []
    for a in range(0, len(order), pool):
        chunk = order[a : a + pool]
        chunk = chunk[np.argsort([strips[i].shape[1] for i in chunk], kind="stable")]
        batches += [chunk[b : b + size] for b in range(0, len(chunk), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _floats(strips: list[npt.NDArray[np.uint8]]) -> list[npt.NDArray[np.float32]]:
    return [s.astype(np.float32) / 255.0 for s in strips]


def _stack(strips: list[npt.NDArray[Any]]) -> tuple[npt.NDArray[np.float32], list[int]]:
    """Strips zero-padded on the right into (n, 1, 32, w) floats 0..1, and their widths."""
    widths = [s.shape[1] for s in strips]
    x = np.zeros((len(strips), 1, strips[0].shape[0], max(widths)), np.float32)
    for i, s in enumerate(strips):
        x[i, 0, :, : s.shape[1]] = s
    if strips[0].dtype == np.uint8:
        x /= 255.0
    return x, widths


def _augment(x: Any, widths: list[int], rng: np.random.Generator) -> tuple[Any, list[int]]:
    """A batch (n, 1, 32, w) stretched by one random factor and shifted by a few rows."""
    import torch

    factor = float(np.exp(rng.uniform(np.log(0.8), np.log(1.25))))
    width = max(STRIDE, round(x.shape[3] * factor))
    x = torch.nn.functional.interpolate(x, size=(x.shape[2], width), mode="bilinear", align_corners=False)
    shift = int(rng.integers(-2, 3))
    if shift:
        x = torch.roll(x, shift, dims=2)
    return x, [max(STRIDE, round(w * factor)) for w in widths]


def _exact(net: Any, strips: list[npt.NDArray[np.uint8]], texts: list[str], dev: Any) -> float:
    """Fraction of strips read exactly (best-path decoding)."""
    import torch

    if not strips:
        return 0.0
    net.eval()
    right = 0
    order = np.argsort([s.shape[1] for s in strips])
    with torch.inference_mode():
        for a in range(0, len(order), 256):
            batch = order[a : a + 256]
            x, widths = _stack([strips[i] for i in batch])
            logp = net(torch.from_numpy(x).to(dev)).float().cpu().numpy()
            for row, i, w in zip(logp, batch, widths, strict=True):
                read = "".join(str(d.digit) for d in decode(row[: w // STRIDE]))
                right += read == texts[i]
    net.train()
    return right / len(strips)
