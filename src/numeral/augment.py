"""Random distortions of training images, drawn afresh for every mini-batch.

Each image gets its own random affine map (shift, rotation, scale, shear) and,
optionally, an elastic distortion: a smooth random displacement field. Both are
combined into one field of source coordinates and the image is resampled once,
by bilinear interpolation, with zeros outside the frame. The labels are not
touched: the distortions are small enough that a digit stays the same digit.

For an output pixel at ``p`` (row, column), relative to the image centre ``c``,
the pixel is read from

    src = A (p - c) + c + t + d(p)

where ``A`` is a 2 x 2 matrix (rotation, shear, scale), ``t`` a shift and ``d``
the elastic displacement. The elastic field is white noise on ``[-1, 1]``
smoothed by a Gaussian of width ``σ`` and scaled by ``α`` pixels; the smoothing
is separable, so for the whole batch it is two small matrix products,
``G U Gᵀ`` with ``G`` the ``(h, h)`` Gaussian matrix.

Everything is vectorised over the batch and stays in float32; the random numbers
come from the :class:`numpy.random.Generator` passed in, so a seed fixes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError

__all__ = ["Augmentation", "gaussian_matrix"]


def gaussian_matrix(size: int, sigma: float, dtype=np.float32) -> np.ndarray:
    """The ``(size, size)`` matrix that smooths a vector by a Gaussian of ``sigma``.

    Row ``i`` holds the normalised kernel centred on ``i``, cut at 4 sigma; beyond
    the edges the signal is taken as zero.
    """
    radius = int(4 * sigma)
    offsets = np.arange(size)[:, None] - np.arange(size)[None, :]  # (size, size)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel[np.abs(offsets) > radius] = 0
    total = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2).sum()
    return (kernel / total).astype(dtype)


@dataclass(frozen=True)
class Augmentation:
    """A distribution of random distortions; call it on a batch of images.

    Parameters
    ----------
    shift
        Largest shift in pixels, drawn uniformly from ``[-shift, shift]`` along
        each axis.
    rotation
        Largest rotation in degrees, drawn from ``[-rotation, rotation]``.
    scale
        Largest relative change of size: the factor is drawn from
        ``[1 - scale, 1 + scale]``, the same along both axes.
    shear
        Largest shear angle in degrees, drawn from ``[-shear, shear]``.
    elastic_alpha
        Strength ``α`` of the elastic distortion, in pixels; 0 turns it off.
    elastic_sigma
        Smoothness ``σ`` of the elastic distortion, in pixels.
    """

    shift: float = 0.0
    rotation: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 5.0

    def __post_init__(self):
        for name in ("shift", "rotation", "scale", "shear", "elastic_alpha"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ConfigError(
                    f"augmentation: {name} must be 0 or more, got {value}"
                )
        if not self.scale < 1:
            raise ConfigError(
                f"augmentation: scale must be below 1 (a factor in "
                f"[1 - scale, 1 + scale]), got {self.scale}"
            )
        if not self.shear < 90:
            raise ConfigError(
                f"augmentation: shear must be below 90 degrees, got {self.shear}"
            )
        if not (np.isfinite(self.elastic_sigma) and self.elastic_sigma > 0):
            raise ConfigError(
                f"augmentation: elastic sigma must be positive, "
                f"got {self.elastic_sigma}"
            )

    @property
    def active(self) -> bool:
        """Whether this distorts anything at all."""
        return any(
            (self.shift, self.rotation, self.scale, self.shear, self.elastic_alpha)
        )

    def __call__(
        self,
        images: np.ndarray,
        image_shape: tuple[int, int],
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Distort each row of ``images``, shape ``(n, h * w)``, into a new array.

        Pixel values are assumed to lie in ``[0, 1]`` and the result does too.
        """
        h, w = image_shape
        n = len(images)
        if images.ndim != 2 or images.shape[1] != h * w:
            raise ConfigError(
                f"augmentation: expected images of shape (n, {h * w}), "
                f"got {images.shape}"
            )
        dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
        if not self.active or n == 0:
            return images.astype(dtype, copy=True)

        rows, cols = self._source_coordinates(n, h, w, rng, dtype)  # (n, h, w)
        return _bilinear(images.reshape(n, h, w).astype(dtype, copy=False), rows, cols)

    def _source_coordinates(self, n, h, w, rng, dtype):
        """Where each output pixel reads from: two arrays of shape ``(n, h, w)``."""
        one = dtype.type(1)

        # one random affine map per image
        angle = np.deg2rad(rng.uniform(-self.rotation, self.rotation, n))
        shear = np.deg2rad(rng.uniform(-self.shear, self.shear, n))
        factor = rng.uniform(1 - self.scale, 1 + self.scale, n)
        shift = rng.uniform(-self.shift, self.shift, (2, n))

        # A = R(angle) S(shear) / factor maps output offsets to source offsets
        cos, sin, tan = np.cos(angle), np.sin(angle), np.tan(shear)
        A = np.empty((n, 2, 2))
        A[:, 0, 0] = cos
        A[:, 0, 1] = cos * tan - sin
        A[:, 1, 0] = sin
        A[:, 1, 1] = sin * tan + cos
        A = (A / factor[:, None, None]).astype(dtype)  # (n, 2, 2)

        # offsets of every pixel from the centre
        r = np.arange(h, dtype=dtype) - dtype.type((h - 1) / 2)
        c = np.arange(w, dtype=dtype) - dtype.type((w - 1) / 2)
        dr, dc = r[None, :, None], c[None, None, :]  # (1, h, 1), (1, 1, w)

        rows = A[:, 0, 0, None, None] * dr + A[:, 0, 1, None, None] * dc  # (n, h, w)
        cols = A[:, 1, 0, None, None] * dr + A[:, 1, 1, None, None] * dc
        rows += (shift[0].astype(dtype) + dtype.type((h - 1) / 2))[:, None, None]
        cols += (shift[1].astype(dtype) + dtype.type((w - 1) / 2))[:, None, None]

        # elastic displacement: smoothed white noise, α G U Gᵀ per axis
        if self.elastic_alpha:
            G_h = gaussian_matrix(h, self.elastic_sigma, dtype)
            G_w = gaussian_matrix(w, self.elastic_sigma, dtype)
            alpha = dtype.type(self.elastic_alpha)
            for coords in (rows, cols):
                # noise laid out (h, n, w), so each product is one large GEMM
                noise = rng.random((h, n * w), dtype=dtype) * 2 - one
                field = (G_h @ noise).reshape(h * n, w) @ G_w.T  # (h n, w)
                coords += alpha * field.reshape(h, n, w).transpose(1, 0, 2)
        return rows, cols


def _bilinear(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Sample ``images`` (n, h, w) at fractional ``rows``, ``cols`` (n, h, w).

    Returns the samples as ``(n, h * w)``; ``rows`` and ``cols`` are used as
    scratch space. Points outside the frame read zero: the images are padded
    with zeros (one pixel before, two after) and the coordinates clipped to
    ``[-1, h]`` and ``[-1, w]``, so all four neighbours of a sample exist.
    """
    n, h, w = images.shape
    stride = w + 3
    padded = np.zeros((n, h + 3, stride), dtype=images.dtype)
    padded[:, 1 : h + 1, 1 : w + 1] = images
    flat = padded.ravel()

    # top-left neighbour (r0, c0) and the fractions fr = row - r0, fc = col - c0
    np.clip(rows, -1, h, out=rows)
    np.clip(cols, -1, w, out=cols)
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0  # (n, h, w)

    # flat index of (r0, c0) in the padded batch, which starts one row and
    # one column before the image
    first = np.arange(n, dtype=np.int32) * ((h + 3) * stride) + stride + 1
    top_left = (r0 * stride + c0).astype(np.int32) + first[:, None, None]

    # linear interpolation along the columns, then along the rows:
    # top = v00 + fc (v01 - v00), bottom = v10 + fc (v11 - v10),
    # out = top + fr (bottom - top); done in place to spare temporaries
    top, top_right = flat[top_left], flat[top_left + 1]
    bottom, bottom_right = flat[top_left + stride], flat[top_left + stride + 1]
    top += fc * (top_right - top)
    bottom += fc * (bottom_right - bottom)
    top += fr * (bottom - top)

    # convex weights keep [0, 1]; clipping removes float rounding beyond it
    np.clip(top, 0, 1, out=top)
    return top.reshape(n, h * w)
