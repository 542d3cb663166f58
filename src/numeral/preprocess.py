"""From an image file to the 28 x 28 input a digit network was trained on.

MNIST digits are light ink on a black field: each digit's bounding box was scaled,
with anti-aliasing, so that its longer side is 20 pixels, and placed in a 28 x 28
field with its centre of mass at the centre. :func:`preprocess_file` does the same
to any image Pillow reads, in five steps:

1. **read**: refuse images above a pixel limit before decoding them; turn the
   image upright by its EXIF orientation;
2. **grey**: palettes through their colours, values scaled by the real bit depth
   (1, 8 or 16 bits), transparency composited over the background, so that
   ``v`` in ``[0, 1]`` is 0 for black and 1 for white;
3. **polarity**: the background is the median grey; ink is whatever lies further
   from it, darker (paper) or lighter (a screen); dark ink is inverted, so that
   ink is always light as in MNIST;
4. **contrast**: the background goes to 0 and the brightest ink to 1; faint
   specks below :data:`NOISE_FLOOR` (paper grain, JPEG ringing) go to 0;
5. **geometry**: crop to the ink's bounding box, scale its longer side to 20
   pixels keeping the aspect ratio, and place it by its centre of mass.

The result is float32 of shape ``(28, 28)`` in ``[0, 1]``; ``pixels.reshape(1,
784)`` is a row a network takes.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .atomicfile import atomic_write
from .errors import ImageError

__all__ = [
    "BOX_SIZE",
    "FIELD_SIZE",
    "MAX_PIXELS",
    "WORKING_SIZE",
    "Digit",
    "image_to_grey",
    "ink_is_dark",
    "load_grey",
    "prepare_digit",
    "preprocess_file",
    "save_digit",
    "transparent_background",
]

FIELD_SIZE = 28  # side of the square the network sees
BOX_SIZE = 20  # longer side of the digit's bounding box inside it
# MNIST's mean centre of mass, in pixel-index coordinates (row, column)
CENTRE = (14.0, 14.0)

MAX_PIXELS = 40_000_000  # larger images are refused before they are decoded
WORKING_SIZE = 1024  # larger 8-bit images are shrunk, longer side kept above this
MIN_CONTRAST = 0.1  # ink must differ from the background by this much
NOISE_FLOOR = 0.2  # ink fainter than this (after contrast) counts as background


@dataclass(frozen=True)
class Digit:
    """An image made ready for the network.

    Attributes
    ----------
    pixels
        float32 of shape ``(28, 28)`` in ``[0, 1]``: light ink on black.
    inverted
        Whether the image's grey levels were inverted (dark ink on light).
    """

    pixels: np.ndarray
    inverted: bool


def load_grey(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image file as upright grey levels.

    Parameters
    ----------
    path
        Any file Pillow reads (PNG, JPEG, BMP, GIF, TIFF, WebP, ...); only the
        first frame of an animation is used.
    max_pixels
        Images with more pixels than this are refused before decoding.

    Returns
    -------
    numpy.ndarray
        float32 of shape ``(height, width)``: 0 black, 1 white.

    Raises
    ------
    ImageError
        When the file cannot be read as an image or is too large.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            # our own limit is checked below, before any decoding
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageError(
                        f"{path}: image of {width} x {height} = {width * height:,} "
                        f"pixels is larger than the limit of {max_pixels:,}"
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as e:
        raise ImageError(f"{path}: image is too large to decode safely ({e})") from e
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        # Pillow's UnidentifiedImageError is an OSError
        raise ImageError(f"{path}: cannot read it as an image ({e})") from e
    return image_to_grey(upright)


def _colour_and_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey levels ``(h, w)`` in [0, 1] and the alpha ``(h, w)``, or None."""
    mode = image.mode

    # palette, 1-bit, premultiplied and colour-keyed images: to plain modes
    if mode in ("P", "PA") or (mode in ("L", "RGB") and "transparency" in image.info):
        image = image.convert("RGBA")
    elif mode in ("La", "RGBa"):
        image = image.convert(mode[:-1] + "A")
    elif mode == "1":
        image = image.convert("L")
    elif mode not in ("L", "LA", "RGB", "RGBA", "F") and not mode.startswith("I"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX
    mode = image.mode

    # 8 bits: Pillow's ITU-R 601-2 luma for colour, alpha apart, large ones shrunk
    if mode in ("L", "LA", "RGB", "RGBA"):
        grey = image.convert("L")
        alpha = image.getchannel("A") if mode.endswith("A") else None
        factor = max(image.size) // WORKING_SIZE
        if factor >= 2:
            # NOTE: averaging blocks of factor x factor pixels loses nothing at
            # 20 pixels per digit, and the float steps below then take a fraction
            # of the time on a photo from a phone
            grey = grey.reduce(factor)
            alpha = alpha.reduce(factor) if alpha is not None else None
        grey = np.asarray(grey, dtype=np.float32) / 255
        if alpha is not None:
            alpha = np.asarray(alpha, dtype=np.float32) / 255
        return grey, alpha

    # 16 and 32 bits, by the real depth
    a = np.asarray(image)
    if mode.startswith("I;16"):
        grey = a.astype(np.float32) / 65535
    elif mode == "I":
        # NOTE: a 32-bit container; Pillow uses it for some 16-bit files, so the
        # depth is taken as the smallest of 8, 16 or 32 bits that holds the data
        top = int(a.max(initial=0))
        depth = 8 if top < 2**8 else 16 if top < 2**16 else 32
        grey = np.clip(a, 0, None).astype(np.float32) / (2**depth - 1)
    else:  # "F": floats, taken as [0, 1] when they fit there
        grey = np.nan_to_num(a.astype(np.float32))
        low, high = float(grey.min(initial=0)), float(grey.max(initial=0))
        if (low < 0 or high > 1) and high > low:
            grey = (grey - low) / (high - low)
    return np.clip(grey, 0, 1), None


def image_to_grey(image: Image.Image) -> np.ndarray:
    """Grey levels of a Pillow image, transparency composited over its background.

    Returns float32 of shape ``(height, width)``: 0 black, 1 white. See
    :func:`transparent_background` for the grey the transparent parts take.
    """
    grey, alpha = _colour_and_alpha(image)
    if alpha is None or alpha.min() == 1:
        return grey

    # alpha compositing: v = alpha g + (1 - alpha) background
    background = np.float32(transparent_background(grey, alpha))
    return alpha * grey + (1 - alpha) * background


def transparent_background(grey: np.ndarray, alpha: np.ndarray) -> float:
    """The grey that the transparent parts of an image stand for.

    Parameters
    ----------
    grey, alpha
        float of shape ``(height, width)`` in ``[0, 1]``.

    Notes
    -----
    Where most of the image is opaque, the opaque part is a picture of paper
    with ink on it, and the transparent parts take the paper's (median) grey.

    Where most is transparent, the opaque part is the ink alone. Its rim (opaque
    pixels next to transparent ones) tells which background it was drawn for:
    strokes anti-aliased into their colours, as in a GIF, fade towards that
    background, so the rim lies near the light or the dark end of the opaque
    tones. Where it does not (strokes of one colour, or anti-aliased through
    alpha), the background is white under dark ink and black under light ink,
    so that the digit stays visible.
    """
    opaque = alpha >= 0.5
    if not opaque.any():
        return 0.0  # nothing visible: any background gives a blank image
    if opaque.mean() >= 0.5:
        return float(np.median(grey[opaque]))

    # the rim: opaque pixels with a transparent 4-neighbour
    clear = np.pad(~opaque, 1, constant_values=True)
    neighbours = clear[:-2, 1:-1] | clear[2:, 1:-1] | clear[1:-1, :-2] | clear[1:-1, 2:]
    edge = float(np.median(grey[opaque & neighbours]))

    # a rim nearer one end of a wide range of tones fades towards the background
    tones = grey[opaque]
    low, high = (float(t) for t in np.percentile(tones, [1, 99]))
    towards_white = (edge - low) - (high - edge)
    if high - low > 0.25 and abs(towards_white) > 0.25 * (high - low):
        return 1.0 if towards_white > 0 else 0.0
    return 1.0 if float(np.median(tones)) < 0.5 else 0.0


def ink_is_dark(grey: np.ndarray) -> bool:
    """Whether the ink of ``grey`` ``(h, w)`` is darker than its background.

    The background is the median grey (ink covers less than half an image);
    the ink is on the side of the darkest or the lightest pixel, whichever is
    further from it.
    """
    background = _median(grey)
    return background - float(grey.min()) > float(grey.max()) - background


def _median(grey: np.ndarray) -> float:
    """Median of ``grey``, from a grid of at most ~1 million pixels for speed."""
    step = max(1, int(np.sqrt(grey.size / 1_000_000)))
    return float(np.median(grey[::step, ::step]))


def prepare_digit(grey: np.ndarray, invert: bool | None = None) -> Digit:
    """Make the grey levels ``(h, w)`` of one digit into the network's input.

    Parameters
    ----------
    grey
        float of shape ``(height, width)`` in ``[0, 1]``, 0 black.
    invert
        True for dark ink on a light background, False for light ink on dark,
        None to detect it with :func:`ink_is_dark`.

    Returns
    -------
    Digit
        ``pixels`` of shape ``(28, 28)``, light ink on black.

    Raises
    ------
    ImageError
        When no ink stands out from the background.
    """
    v = np.asarray(grey, dtype=np.float32)
    if v.ndim != 2 or v.size == 0:
        raise ImageError(f"expected a 2-d grey image, got shape {v.shape}")
    forced = invert is not None

    # polarity: light ink on black, as MNIST
    if not forced:
        invert = ink_is_dark(v)
    if invert:
        v = 1 - v

    # contrast: background 0, brightest ink 1, faint specks 0
    background = _median(v)
    contrast = float(v.max()) - background
    if contrast < MIN_CONTRAST:
        hint = " (is the forced polarity the wrong way round?)" if forced else ""
        raise ImageError(
            f"no ink found: nothing stands out from the background "
            f"(contrast {contrast:.3f}, at least {MIN_CONTRAST} needed){hint}"
        )
    x = (v - background) / contrast
    x = np.clip((x - NOISE_FLOOR) / (1 - NOISE_FLOOR), 0, 1)

    # geometry: crop, scale, centre
    box = _scale_to_box(_crop_to_ink(x))
    return Digit(_place_by_centre_of_mass(box), bool(invert))


def _crop_to_ink(x: np.ndarray) -> np.ndarray:
    """The bounding box of the non-zero pixels of ``x``."""
    rows = np.flatnonzero(x.any(axis=1))
    cols = np.flatnonzero(x.any(axis=0))
    return x[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _scale_to_box(x: np.ndarray) -> np.ndarray:
    """``x`` scaled with anti-aliasing so that its longer side is 20, peak 1."""
    height, width = x.shape
    scale = BOX_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # (w, h)

    # Pillow's resampling widens its kernel when shrinking, so it anti-aliases
    image = Image.fromarray(x.astype(np.float32))  # mode "F"
    box = np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.float32)

    # Lanczos rings slightly below 0 and above 1; MNIST digits peak at 1
    box = np.clip(box, 0, None)
    peak = float(box.max())
    return box / peak if peak > 0 else box


def _place_by_centre_of_mass(box: np.ndarray) -> np.ndarray:
    """``box`` pasted into a 28 x 28 field with its centre of mass at the centre."""
    rows = np.arange(box.shape[0], dtype=np.float64)
    cols = np.arange(box.shape[1], dtype=np.float64)
    mass = float(box.sum())
    centre_row = float(box.sum(axis=1) @ rows) / mass
    centre_col = float(box.sum(axis=0) @ cols) / mass

    # whole-pixel shift, so the strokes stay as sharp as they were scaled
    top = int(np.floor(CENTRE[0] - centre_row + 0.5))
    left = int(np.floor(CENTRE[1] - centre_col + 0.5))

    # paste, cutting off whatever falls outside the field
    field = np.zeros((FIELD_SIZE, FIELD_SIZE), dtype=np.float32)
    r0, c0 = max(top, 0), max(left, 0)
    r1 = min(top + box.shape[0], FIELD_SIZE)
    c1 = min(left + box.shape[1], FIELD_SIZE)
    field[r0:r1, c0:c1] = box[r0 - top : r1 - top, c0 - left : c1 - left]
    return field


def preprocess_file(
    path: str | os.PathLike,
    invert: bool | None = None,
    max_pixels: int = MAX_PIXELS,
) -> Digit:
    """Read an image file and make it into the network's input.

    Parameters
    ----------
    path
        The image file.
    invert
        As for :func:`prepare_digit`: None detects the polarity.
    max_pixels
        As for :func:`load_grey`.

    Returns
    -------
    Digit
        ``pixels`` float32 of shape ``(28, 28)`` in ``[0, 1]``.

    Raises
    ------
    ImageError
        Naming the file: unreadable, too large, or without ink.
    """
    grey = load_grey(path, max_pixels)
    try:
        return prepare_digit(grey, invert)
    except ImageError as e:
        raise ImageError(f"{path}: {e}") from None


def save_digit(path: str | os.PathLike, pixels: np.ndarray) -> Path:
    """Write ``pixels`` ``(28, 28)`` in ``[0, 1]`` as an 8-bit greyscale PNG."""
    path = Path(path)
    levels = np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)
    with atomic_write(path) as f:
        Image.fromarray(levels).save(f, format="PNG")  # mode "L"
    return path
