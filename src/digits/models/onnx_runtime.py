"""ONNX export of torch models and prediction with onnxruntime.

``digits export MODEL_DIR --format onnx`` writes ``model.onnx`` (the network
followed by a softmax, input ``images`` of shape (batch, 1, 28, 28) float32
in [0, 1], output ``proba`` of shape (batch, 10)) into the model folder and
records its SHA-256 in ``model.json``, so it is verified like the weights.
``load_model(folder, runtime="onnx")`` then predicts through onnxruntime.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from digits.errors import InputError, ModelFileError
from digits.fileio import temp_file_beside

if TYPE_CHECKING:
    from digits.models.torch_model import TorchModel

ONNX_FILE = "model.onnx"
OPSET = 17


def export_onnx(model: TorchModel, path: Path) -> Path:
    """Write ``model``'s network plus softmax as an ONNX graph with a dynamic batch axis, atomically."""
    import torch

    if not hasattr(model, "net_"):
        raise InputError(f"Only torch models can be exported to ONNX; {model.name!r} is not one.")
    device = next(model.net_.parameters()).device
    graph = torch.nn.Sequential(model.net_, torch.nn.Softmax(dim=1)).cpu().eval()
    example = torch.zeros(1, 1, 28, 28)
    fd, tmp = temp_file_beside(path)
    os.close(fd)
    try:
        with warnings.catch_warnings():
            # the TorchScript exporter is deprecated in favour of one that needs onnxscript
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                graph,
                (example,),
                tmp,
                input_names=["images"],
                output_names=["proba"],
                dynamic_axes={"images": {0: "batch"}, "proba": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    model.net_.to(device)
    return path


class OnnxPredictor:
    """Probabilities from an exported ``model.onnx`` through onnxruntime (CPU).

    Parameters
    ----------
    path : pathlib.Path
        The ONNX file.
    threads : int
        Intra-op threads (0: onnxruntime's default, one per core).
    """

    def __init__(self, path: Path, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # idle threads sleep rather than spin: one image took 0.20 instead of 0.14 ms, a batch
        # of 1,000 the same, and a server's other requests keep the CPU spinning would take
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise ModelFileError(f"{path} is not a valid ONNX model: {exc}") from exc

    def __call__(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """(n, 28, 28) float32 in [0, 1] -> (n, 10) probabilities."""
        batch = np.ascontiguousarray(images[:, None], dtype=np.float32)  # (n, 1, 28, 28)
        (proba,) = self.session.run(["proba"], {"images": batch})
        return proba.astype(np.float64)


def export_model_dir(directory: str | os.PathLike[str]) -> Path:
    """Export the torch model saved in ``directory`` to ``directory/model.onnx`` and record its checksum.

    Returns
    -------
    pathlib.Path
        The ONNX file written.
    """
    from digits.models.store import load_model, record_export

    directory = Path(directory)
    model = load_model(directory)
    if not hasattr(model, "use_onnxruntime"):
        raise InputError(f"Only torch models can be exported to ONNX; {directory} holds a {model.name!r} model.")
    path = export_onnx(model, directory / ONNX_FILE)
    record_export(directory, ONNX_FILE)
    return path
