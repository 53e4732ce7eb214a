"""Image processing: everything that turns pixels into MNIST-style digits."""

from digits.imaging.deskew import deskew

__all__ = ["deskew"]
