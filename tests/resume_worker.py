"""Train a small torch model on fake digits with a checkpoint every epoch.

Used by ``tests/test_torch_models.py`` to kill a real training process and
resume it in a new one::

    python tests/resume_worker.py CHECKPOINT_DIR WEIGHTS_FILE [--resume]

The final weights go to ``WEIGHTS_FILE`` (safetensors).
"""

from __future__ import annotations

import sys
from pathlib import Path

from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).parent))

from conftest import make_fake_digits
from digits.models import DigitModel, create_model

MODEL = "fast-cnn"
PARAMS = {
    "channels": (8, 16, 32),
    "epochs": 3,
    "batch_size": 32,
    "elastic": 2.0,  # every kind of randomness: shuffling, affine and elastic grids
    "threads": 1,
}
N_TRAIN = 1200


def data() -> tuple:
    """(X, y, X_val, y_val): fake digits, the last 200 for validation."""
    X, y = make_fake_digits(N_TRAIN + 200, seed=3)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def train(checkpoint_dir: Path | None, resume: bool = False) -> DigitModel:
    """Fit :data:`MODEL` with :data:`PARAMS`, checkpointing into ``checkpoint_dir``."""
    model = create_model(MODEL, **PARAMS)
    model.checkpoint_dir = checkpoint_dir
    model.resume = resume
    return model.fit(*data())


if __name__ == "__main__":
    fitted = train(Path(sys.argv[1]), resume="--resume" in sys.argv[3:])
    state = {k: v.detach().cpu().contiguous() for k, v in fitted.net_.state_dict().items()}
    save_file(state, sys.argv[2])
