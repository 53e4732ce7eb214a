"""Train a small torch model on an MNIST subset; run alone or under ``torchrun``.

Used by ``tests/test_torch_ddp.py``::

    python -m torch.distributed.run --nproc-per-node 2 --master-addr 127.0.0.1 \\
        --master-port PORT tests/ddp_worker.py OUT_DIR

Each rank writes ``OUT_DIR/rank<r>.safetensors`` (its final weights) and
``OUT_DIR/rank<r>.json`` (validation accuracy, history); the model's own
checkpoints go to ``OUT_DIR/checkpoints/rank<r>``, where only rank 0 may write.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from safetensors.torch import save_file

from digits.data.mnist import load_mnist
from digits.models import DigitModel, create_model

MODEL = "cnn-s2"
PARAMS = {"epochs": 2, "schedule": "onecycle", "learning_rate": 3e-3, "batch_size": 32, "threads": 1}
N_TRAIN, N_VAL = 4000, 1000


def train(out: Path, rank: int = 0) -> DigitModel:
    """Fit :data:`MODEL` on the first :data:`N_TRAIN` training images and report into ``out``."""
    splits = load_mnist(os.environ.get("DIGITS_DATA_DIR"), download=False)
    X, y = splits.train.images[:N_TRAIN], splits.train.labels[:N_TRAIN]
    X_val, y_val = splits.val.images[:N_VAL], splits.val.labels[:N_VAL]
    model = create_model(MODEL, **PARAMS)
    model.checkpoint_dir = out / "checkpoints" / f"rank{rank}"
    model.fit(X, y, X_val, y_val)
    state = {k: v.detach().cpu().contiguous() for k, v in model.net_.state_dict().items()}
    save_file(state, str(out / f"rank{rank}.safetensors"))
    accuracy = float((model.predict(X_val) == y_val).mean())
    report = {"val_accuracy": accuracy, "history": model.history_, "best_epoch": model.best_epoch_}
    (out / f"rank{rank}.json").write_text(json.dumps(report))
    return model


if __name__ == "__main__":
    train(Path(sys.argv[1]), int(os.environ.get("RANK", "0")))
