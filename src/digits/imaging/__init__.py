"""Image processing: everything that turns pixels into MNIST-style digits.

- :mod:`~digits.imaging.io` decodes files, bytes, PIL images and arrays into
  float32 luminance (0 black .. 1 white), safely.
- :mod:`~digits.imaging.normalize` is the one normalization every input goes
  through: :func:`normalize_digit` (whole pictures) and :func:`to_mnist`
  (already segmented ink).
- :mod:`~digits.imaging.filters` (grey images) and :mod:`~digits.imaging.shapes`
  (binary masks) hold the small operations they are built from.
- :mod:`~digits.imaging.deskew` removes slant by image moments.
"""

from digits.imaging.deskew import deskew
from digits.imaging.io import ImageDecodeError, ImageTooLargeError, load_image, read_image
from digits.imaging.normalize import NormalizedDigit, NormalizeOptions, normalize_digit, to_mnist

__all__ = [
    "ImageDecodeError",
    "ImageTooLargeError",
    "NormalizeOptions",
    "NormalizedDigit",
    "deskew",
    "load_image",
    "normalize_digit",
    "read_image",
    "to_mnist",
]
