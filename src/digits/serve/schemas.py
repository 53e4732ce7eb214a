"""Request and response bodies of the HTTP API (they also make the OpenAPI schema at ``/docs``)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, Strict

from digits.errors import InputError

Pixel = Annotated[float, Strict(), Field(ge=0, le=255, allow_inf_nan=False)]
"""A grey level: a JSON number 0-255 (strict: ``true`` or ``"7"`` are not pixels)."""
MNIST_SIDE = 28


class PixelsRequest(BaseModel):
    """A digit as grey levels: 28 rows of 28 values, or 784 values row by row, each 0-255.

    Either polarity works (dark ink on light paper, or MNIST's white on black).
    """

    model_config = ConfigDict(extra="forbid")

    pixels: list[Pixel] | list[list[Pixel]] = Field(
        description="28 rows of 28 grey levels, or 784 values row by row; each 0-255."
    )

    def image(self) -> npt.NDArray[np.uint8]:
        """The pixels as a uint8 image, shape (28, 28).

        Raises
        ------
        InputError
            If there are not 784 values in 28 rows of 28 (or one flat list).
        """
        rows = self.pixels
        if rows and isinstance(rows[0], list):
            lengths = sorted({len(row) for row in rows})  # type: ignore[arg-type]
            if len(rows) != MNIST_SIDE or lengths != [MNIST_SIDE]:
                raise InputError(
                    f"pixels must be 28 rows of 28 values; got {len(rows)} rows of length "
                    f"{', '.join(map(str, lengths))}."
                )
        elif len(rows) != MNIST_SIDE * MNIST_SIDE:
            raise InputError(f"pixels must hold 784 values (28x28, row by row); got {len(rows)}.")
        return np.rint(np.asarray(rows, dtype=np.float64)).astype(np.uint8).reshape(MNIST_SIDE, MNIST_SIDE)


class PredictResponse(BaseModel):
    """The digit in a picture."""

    digit: int | None = Field(description="0-9; null when no ink was found or the answer was rejected.")
    confidence: float = Field(description="Calibrated probability of the most likely digit; 0 without ink.")
    probabilities: list[float] = Field(description="Ten probabilities, for digits 0-9; all 0 without ink.")
    rejected: bool = Field(description="A digit was found but its confidence was below min_confidence.")
    model: str = Field(description="The model that answered.")
    image: list[list[int]] | None = Field(
        description="What the model saw: 28 rows of 28 grey levels 0-255, white ink on black (MNIST style); "
        "null without ink."
    )


class ReadDigitResponse(BaseModel):
    """One digit found in a picture."""

    digit: int | None = Field(description="0-9; null when rejected (below min_confidence).")
    confidence: float
    box: list[int] = Field(description="[x, y, width, height] in the picture's pixels (after EXIF rotation).")


class ReadResponse(BaseModel):
    """Every digit in a picture, in reading order."""

    text: str = Field(description="The digits in reading order, rejected ones left out.")
    digits: list[ReadDigitResponse]
    model: str


class ModelInfo(BaseModel):
    """A model the server offers."""

    name: str = Field(description="What to pass as model=NAME.")
    family: str = Field(description="The model's kind, as `digits models` lists it.")
    test_accuracy: float | None = Field(description="Accuracy on the MNIST test set, from the model's metadata.")
    calibrated: bool = Field(description="Whether its confidence is temperature-calibrated.")
    default: bool
    source: str = Field(description='"shipped" or the model folder it was loaded from.')


class ModelsResponse(BaseModel):
    """The models on offer, the default first."""

    default: str
    models: list[ModelInfo]


class ErrorResponse(BaseModel):
    """Every error: what was wrong and how to fix it."""

    detail: str
