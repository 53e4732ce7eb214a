"""Decoding images safely into one convention: float32 luminance in [0, 1].

Whatever comes in (a path, bytes, a file object, a PIL image or a NumPy array)
comes out as a 2-D float32 array of shape (h, w) holding *luminance*: 0 is
black, 1 is white, exactly as the picture looks. White paper is 1, black ink
0; an MNIST digit (white on black) stays white on black. Deciding which side
is ink is the normalization's job, not this module's.

- Colour is reduced to luma with the ITU-R 601 weights Pillow uses for "L".
- Transparency (RGBA, LA, PA, a palette or tRNS transparent colour) is
  composited on white, so a transparent canvas reads as blank paper.
- 16-bit images keep their precision (divided by 65535).
- The EXIF orientation of photos is applied.
- Only PNG, JPEG (and phones' MPO), BMP, TIFF, WebP and GIF (first frame) are
  decoded. The pixel count is read from the header and checked against
  ``max_pixels`` (40 megapixels) before any pixel is decoded.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from digits.errors import InputError
from digits.imaging.filters import resize

MAX_PIXELS = 40_000_000
"""Largest image accepted, in pixels (width x height)."""

FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "GIF")
"""Pillow decoders allowed (JPEG includes phones' multi-picture MPO); others are refused."""

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
"""ITU-R 601-2 weights of R, G and B (those of Pillow's ``convert("L")``)."""

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | Image.Image | np.ndarray


class ImageDecodeError(InputError):
    """The source is not a readable image: missing, not an image, truncated, empty or of a bad type."""


class ImageTooLargeError(InputError):
    """The image has more pixels than digits accepts (a decompression bomb, or just too big)."""


def load_image(
    source: ImageSource, *, max_side: int | None = None, max_pixels: int = MAX_PIXELS
) -> npt.NDArray[np.float32]:
    """Decode ``source`` into a grey image; :func:`read_image` without the original size."""
    return read_image(source, max_side=max_side, max_pixels=max_pixels)[0]


def read_image(
    source: ImageSource, *, max_side: int | None = None, max_pixels: int = MAX_PIXELS
) -> tuple[npt.NDArray[np.float32], tuple[int, int]]:
    """Decode ``source`` into a grey image: float32 luminance in [0, 1], shape (h, w).

    Parameters
    ----------
    source : path, bytes, binary file object, PIL.Image.Image or ndarray
        An array may be (h, w), (h, w, 1), (h, w, 2) grey+alpha, (h, w, 3) RGB
        or (h, w, 4) RGBA, of dtype bool, uint8 (0-255), uint16 (0-65535),
        another integer type with values in 0-65535, or float in [0, 1].
    max_side : int, optional
        Shrink (by area averaging) so neither side exceeds this; JPEGs are
        then decoded at a reduced scale directly, which is much faster.
    max_pixels : int
        Refuse images with more pixels than this (checked from the header).

    Returns
    -------
    grey : ndarray of float32, shape (h, w)
        Luminance: 0 black, 1 white; transparent pixels are white.
    size : (int, int)
        The (height, width) of the image before ``max_side`` shrank it
        (after EXIF orientation).

    Raises
    ------
    ImageTooLargeError
        More than ``max_pixels`` pixels.
    ImageDecodeError
        Unreadable path, not an image, unsupported format, truncated data,
        zero-size image, or an array of the wrong shape, type or range.
    """
    if isinstance(source, np.ndarray):
        if source.ndim >= 2:  # before any conversion allocates memory
            _check_size(source.shape[1::-1], max_pixels, _describe(source))
        grey = array_to_grey(source)
        original = grey.shape
    elif isinstance(source, Image.Image):
        grey, original = _decode_pil(source, _describe(source), None, max_pixels)
    else:
        grey, original = _decode_encoded(source, max_side, max_pixels)
    if max_side is not None and max(grey.shape) > max_side:
        scale = max_side / max(grey.shape)
        grey = resize(grey, (max(1, round(grey.shape[0] * scale)), max(1, round(grey.shape[1] * scale))))
    return np.clip(grey, 0.0, 1.0).astype(np.float32, copy=False), (int(original[0]), int(original[1]))


def array_to_grey(array: npt.NDArray) -> npt.NDArray[np.float32]:
    """Convert an image array (see :func:`load_image`) to float32 luminance in [0, 1], shape (h, w)."""
    name = _describe(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise ImageDecodeError(
            f"Cannot use {name} as an image: expected shape (h, w), (h, w, 1), (h, w, 2), (h, w, 3) or "
            "(h, w, 4). For a channels-first array pass np.moveaxis(array, 0, -1)."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageDecodeError(f"Cannot use {name} as an image: it has zero size.")
    values = _scale_to_unit(array, name)
    if values.ndim == 2:
        return values
    colour, alpha = (values[..., :1], values[..., 1]) if values.shape[2] == 2 else (values[..., :3], None)
    if values.shape[2] == 4:
        alpha = values[..., 3]
    grey = colour[..., 0] if colour.shape[2] == 1 else colour @ LUMA
    if alpha is not None:
        grey = grey * alpha + (1.0 - alpha)  # composite on white
    return np.ascontiguousarray(grey, dtype=np.float32)


def _scale_to_unit(array: npt.NDArray, name: str) -> npt.NDArray[np.float32]:
    """Values of an image array mapped to [0, 1] by its type's full scale."""
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == np.uint16:
        return array.astype(np.float32) / 65535.0
    if np.issubdtype(array.dtype, np.integer):
        lo, hi = int(array.min()), int(array.max())
        if lo < 0 or hi > 65535:
            raise ImageDecodeError(f"Cannot use {name} as an image: integer values must lie in 0-65535, got {lo}-{hi}.")
        return array.astype(np.float32) / (255.0 if hi <= 255 else 65535.0)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ImageDecodeError(f"Cannot use {name} as an image: it contains NaN or infinite values.")
        lo, hi = float(array.min()), float(array.max())
        if lo < 0.0 or hi > 1.0:
            raise ImageDecodeError(
                f"Cannot use {name} as an image: float values must lie in [0, 1], got [{lo:g}, {hi:g}]. "
                "Divide 8-bit values by 255 (or pass them as uint8)."
            )
        return array.astype(np.float32)
    raise ImageDecodeError(f"Cannot use {name} as an image: unsupported dtype {array.dtype}.")


def _decode_encoded(
    source: ImageSource, max_side: int | None, max_pixels: int
) -> tuple[npt.NDArray[np.float32], tuple[int, int]]:
    """Open a path, bytes or file object with the allowed decoders only, then decode it."""
    name = _describe(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ImageDecodeError(f"Cannot decode {name}: the data is empty.")
        stream: str | os.PathLike | IO[bytes] = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            what = "no such file" if not path.exists() else "not a regular file"
            raise ImageDecodeError(f"Cannot read image {name}: {what}.")
        stream = path
    elif hasattr(source, "read"):
        stream = source  # type: ignore[assignment]
    else:
        raise ImageDecodeError(
            f"Cannot load an image from {name}: expected a path, bytes, a binary file object, a PIL image or an array."
        )
    try:
        with warnings.catch_warnings():  # process-wide filters: Pillow's bomb warning becomes an error here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"Refusing {name}: {exc} digits accepts at most {max_pixels:,} pixels.") from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageDecodeError(
            f"Cannot decode {name}: not a valid image in a supported format ({', '.join(FORMATS)}); "
            "it is another kind of file, or its header is damaged (e.g. a zero width or height)."
        ) from exc
    except OSError as exc:
        raise ImageDecodeError(f"Cannot read image {name}: {exc}.") from exc
    except Exception as exc:  # a malformed header can raise nearly anything inside Pillow
        raise ImageDecodeError(f"Cannot decode {name}: malformed image header ({type(exc).__name__}: {exc}).") from exc
    with image:
        return _decode_pil(image, name, max_side, max_pixels)


def _decode_pil(
    image: Image.Image, name: str, max_side: int | None, max_pixels: int
) -> tuple[npt.NDArray[np.float32], tuple[int, int]]:
    """Check the header size, decode the first frame, orient it and convert it to grey.

    ``max_side`` only sets a JPEG's reduced decoding scale (pass None for a
    caller's image). Returns the grey image and its full (height, width).
    """
    _check_size(image.size, max_pixels, name)
    width, height = image.size
    try:
        if max_side is not None and image.format in ("JPEG", "MPO") and max(image.size) > max_side:
            scale = max_side / max(image.size)
            image.draft(None, (max(1, int(image.size[0] * scale)), max(1, int(image.size[1] * scale))))
        image.load()
        grey = _pil_to_grey(_orient(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"Refusing {name}: {exc}") from exc
    except Exception as exc:  # truncated or corrupt pixel data: Pillow raises OSError, SyntaxError, ValueError, ...
        raise ImageDecodeError(f"Cannot decode {name}: the pixel data is corrupt or truncated ({exc}).") from exc
    if grey.size == 0:
        raise ImageDecodeError(f"Cannot decode {name}: the image has zero size {grey.shape[1]}x{grey.shape[0]}.")
    turned = (grey.shape[0] > grey.shape[1]) != (height > width)  # EXIF orientation swapped the axes
    return grey, ((width, height) if turned else (height, width))


def _orient(image: Image.Image) -> Image.Image:
    """``image`` turned upright by its EXIF orientation tag; unchanged if the tag is absent or unreadable."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a damaged EXIF block should not make the pixels unusable
        return image


def _pil_to_grey(image: Image.Image) -> npt.NDArray[np.float32]:
    """Luminance of a decoded PIL image, transparency composited on white, shape (h, w)."""
    mode = image.mode
    if mode.startswith("I;16"):
        return np.asarray(image, dtype=np.float32) / 65535.0
    if mode == "I":  # 16-bit data in a 32-bit container (e.g. some 16-bit PNG and TIFF files)
        return np.clip(np.asarray(image, dtype=np.float32) / 65535.0, 0.0, 1.0)
    if mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float32))
        lo, hi = float(values.min(initial=0.0)), float(values.max(initial=1.0))
        return values if lo >= 0.0 and hi <= 1.0 else (values - lo) / max(hi - lo, 1e-12)
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info:
        return array_to_grey(np.asarray(image.convert("RGBA")))
    if mode in ("L", "1"):
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    return array_to_grey(np.asarray(image.convert("RGB")))  # same luma as for arrays, without rounding


def _check_size(size: tuple[int, int], max_pixels: int, name: str) -> None:
    """Refuse an image of ``size`` = (width, height) that is empty or exceeds ``max_pixels``."""
    width, height = int(size[0]), int(size[1])
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"Cannot decode {name}: the image has zero size {width}x{height}.")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"Refusing {name}: {width}x{height} is {width * height:,} pixels, more than the "
            f"{max_pixels:,} digits accepts. Shrink the image (a digit needs far fewer pixels) and try again."
        )


def _describe(source: object) -> str:
    """A short name for ``source`` to put in error messages."""
    if isinstance(source, (str, os.PathLike)):
        return repr(os.fspath(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array of shape {source.shape}, dtype {source.dtype}>"
    if isinstance(source, Image.Image):
        return f"<PIL image {source.width}x{source.height}, mode {source.mode}>"
    name = getattr(source, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(source).__name__}>"
