"""Random distortions of whole batches of digits, as one sampling grid per image.

A random affine map (rotation, scale, shift, shear) and, optionally, an
elastic distortion (Simard et al. 2003: a random displacement field smoothed
by a Gaussian) are combined into one grid for ``F.grid_sample``, so a batch
is warped in a single call on whatever device it lives on. All random numbers
come from an explicit CPU ``torch.Generator``: the same seed gives the same
distortions on CPU and GPU, and a distributed rank can draw a whole global
batch's grids and keep its own rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

SIDE = 28


@dataclass(frozen=True)
class Augmentation:
    """How strongly to distort; every field at 0 means no distortion.

    Attributes
    ----------
    rotation : float
        Largest rotation, degrees (drawn uniformly from [-rotation, rotation]).
    scale : float
        Largest relative zoom: factors are drawn from [1 - scale, 1 + scale].
    shift : float
        Largest shift in x and in y, pixels.
    shear : float
        Largest horizontal shear angle, degrees.
    elastic : float
        Strength alpha of the elastic distortion, pixels (0 turns it off).
    elastic_sigma : float
        Standard deviation of the Gaussian that smooths the displacement field, pixels.
    """

    rotation: float = 0.0
    scale: float = 0.0
    shift: float = 0.0
    shear: float = 0.0
    elastic: float = 0.0
    elastic_sigma: float = 4.0

    @property
    def is_identity(self) -> bool:
        """True when no field asks for any distortion."""
        return not (self.rotation or self.scale or self.shift or self.shear or self.elastic)


def _uniform(n: int, half_width: float, generator: torch.Generator) -> torch.Tensor:
    """(n,) values drawn uniformly from [-half_width, half_width]."""
    return (torch.rand(n, generator=generator) * 2 - 1) * half_width


def random_affine(n: int, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """Matrices ``theta`` of shape (n, 2, 3) for ``F.affine_grid`` (output -> input coordinates).

    The forward map is ``x -> s R(angle) H(shear) x + t``; ``theta`` is its
    inverse in the normalised coordinates of ``affine_grid`` (the image spans
    [-1, 1], so one pixel is 2 / 28).
    """
    angle = torch.deg2rad(_uniform(n, aug.rotation, generator))
    zoom = 1 + _uniform(n, aug.scale, generator)
    shear = torch.tan(torch.deg2rad(_uniform(n, aug.shear, generator)))
    shift = torch.stack([_uniform(n, aug.shift, generator), _uniform(n, aug.shift, generator)], 1)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rot_inv = torch.stack([torch.stack([cos, sin], 1), torch.stack([-sin, cos], 1)], 1)  # R(-angle), (n, 2, 2)
    shear_inv = torch.zeros(n, 2, 2)
    shear_inv[:, 0, 0] = shear_inv[:, 1, 1] = 1
    shear_inv[:, 0, 1] = -shear  # H(shear)^-1
    linear = shear_inv @ rot_inv / zoom[:, None, None]  # (n, 2, 2)
    offset = -(linear @ (shift * 2 / SIDE)[:, :, None])  # (n, 2, 1)
    return torch.cat([linear, offset], dim=2)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    """Normalised 1-D Gaussian of odd length about 6 sigma (at most 2 * 28 - 1)."""
    radius = min(max(1, math.ceil(3 * sigma)), SIDE - 1)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(x**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def elastic_field(n: int, alpha: float, sigma: float, generator: torch.Generator) -> torch.Tensor:
    """Smooth random displacements, shape (n, 28, 28, 2), in ``grid_sample`` units.

    Uniform noise in [-1, 1] per pixel and axis is blurred by a Gaussian of
    ``sigma`` pixels (separably, zero padded) and scaled to ``alpha`` pixels.
    """
    noise = torch.rand(n * 2, 1, SIDE, SIDE, generator=generator) * 2 - 1  # (2n, 1, 28, 28)
    kernel = _gaussian_kernel(sigma)
    pad = len(kernel) // 2
    smooth = F.conv2d(noise, kernel.view(1, 1, 1, -1), padding=(0, pad))  # along x
    smooth = F.conv2d(smooth, kernel.view(1, 1, -1, 1), padding=(pad, 0))  # along y
    pixels = alpha * smooth.view(n, 2, SIDE, SIDE)
    return pixels.permute(0, 2, 3, 1) * (2 / SIDE)  # (n, 28, 28, 2), (x, y) order


def random_grids(n: int, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """Sampling grids of shape (n, 28, 28, 2) for ``n`` images, on the CPU."""
    theta = random_affine(n, aug, generator)
    grid = F.affine_grid(theta, [n, 1, SIDE, SIDE], align_corners=False)
    if aug.elastic > 0:
        grid = grid + elastic_field(n, aug.elastic, aug.elastic_sigma, generator)
    return grid


def warp(images: torch.Tensor, grids: torch.Tensor) -> torch.Tensor:
    """Resample ``images`` (n, 1, 28, 28) at ``grids`` (n, 28, 28, 2); outside is background 0."""
    grids = grids.to(device=images.device, dtype=images.dtype)
    return F.grid_sample(images, grids, mode="bilinear", padding_mode="zeros", align_corners=False)


def augment_batch(images: torch.Tensor, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """Randomly distorted copies of ``images``, shape (n, 1, 28, 28), values kept in [0, 1]."""
    if aug.is_identity:
        return images
    return warp(images, random_grids(len(images), aug, generator))
