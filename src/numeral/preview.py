"""Looking at a data set: class counts, and images as text or as a picture grid.

Images are arrays of shape ``(n, height, width)`` with values in [0, 1] (or
unsigned bytes, which are divided by 255). In text, each character stands for a
pixel wide and two pixels tall (terminal cells are about twice as tall as wide),
drawn with a ramp of shades. Pictures are made with Pillow, imported only when one
is asked for.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

__all__ = [
    "ASCII_RAMP",
    "MAX_PICTURE_PIXELS",
    "SHADE_RAMP",
    "class_counts",
    "picture_grid",
    "text_grid",
]

SHADE_RAMP = " ░▒▓█"
ASCII_RAMP = " .:-=+*#%@"
MAX_PICTURE_PIXELS = 100_000_000  # a larger grid is refused before it is drawn


def class_counts(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """How many labels fall in each class: ``(n,) -> (n_classes,)``."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)


def _unit(images: np.ndarray) -> np.ndarray:
    """Images as float in [0, 1], shape ``(n, height, width)``."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return np.clip(images.astype(np.float32), 0.0, 1.0)


def _text_image(image: np.ndarray, ramp: str) -> list[str]:
    """One image ``(h, w)`` as ``ceil(h / 2)`` lines of ``w`` characters."""
    h, w = image.shape
    if h % 2:
        image = np.vstack([image, np.zeros((1, w), image.dtype)])
    pairs = image.reshape(-1, 2, w).mean(axis=1)  # (ceil(h/2), w)
    levels = np.minimum((pairs * len(ramp)).astype(int), len(ramp) - 1)
    return ["".join(ramp[i] for i in row) for row in levels]


def text_grid(
    images: np.ndarray,
    captions: list[str],
    *,
    ascii_only: bool = False,
    width: int = 80,
    gap: int = 2,
) -> str:
    """Images side by side as text, each with its caption above it.

    Parameters
    ----------
    images
        Shape ``(n, height, width)``, values in [0, 1] or unsigned bytes.
    captions
        One short text per image (cut to the image's width).
    ascii_only
        Use ASCII characters instead of Unicode shade blocks.
    width
        Columns available; as many images go on a row as fit (at least one).
    """
    images = _unit(images)
    if len(images) == 0:
        return ""
    ramp = ASCII_RAMP if ascii_only else SHADE_RAMP
    w = images.shape[2]
    per_row = max(1, (width + gap) // (w + gap))

    blocks = []
    for start in range(0, len(images), per_row):
        tiles = [
            [caption[:w].ljust(w)] + _text_image(image, ramp)
            for image, caption in zip(
                images[start : start + per_row], captions[start : start + per_row]
            )
        ]
        lines = [(" " * gap).join(parts).rstrip() for parts in zip(*tiles)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def picture_grid(
    images: np.ndarray,
    captions: list[str],
    *,
    scale: int = 3,
    columns: int | None = None,
):
    """A grid of images with a caption under each, as a Pillow ``Image``.

    Raises :class:`~numeral.errors.ConfigError` when the picture would have more
    than :data:`MAX_PICTURE_PIXELS` pixels.

    Parameters
    ----------
    images
        Shape ``(n, height, width)``, values in [0, 1] or unsigned bytes.
    scale
        Each pixel becomes a ``scale`` x ``scale`` square.
    columns
        Images per row (default: about square, at most 10).
    """
    from PIL import Image, ImageDraw, ImageFont

    images = _unit(images)
    n, h, w = images.shape
    columns = columns or min(10, max(1, int(np.ceil(np.sqrt(n)))))
    rows = max(1, -(-n // columns))
    font = ImageFont.load_default()
    caption_h = 14
    pad = 4
    cell_w, cell_h = w * scale + pad, h * scale + caption_h + pad
    size = (columns * cell_w + pad, rows * cell_h + pad)  # (width, height)
    if size[0] * size[1] > MAX_PICTURE_PIXELS:
        raise ConfigError(
            f"a picture of {n} image{'s' * (n != 1)} at scale {scale} would be "
            f"{size[0]}x{size[1]} pixels, more than the {MAX_PICTURE_PIXELS:,} "
            "allowed; draw fewer images or at a smaller scale"
        )

    # one grey sheet; each image pasted at its cell, its caption below
    sheet = Image.new("L", size, 40)
    draw = ImageDraw.Draw(sheet)
    for i, (image, caption) in enumerate(zip(images, captions)):
        x = pad + (i % columns) * cell_w
        y = pad + (i // columns) * cell_h
        tile = Image.fromarray((image * 255).round().astype(np.uint8), mode="L")
        sheet.paste(tile.resize((w * scale, h * scale), Image.NEAREST), (x, y))
        while caption and draw.textlength(caption, font=font) > w * scale:
            caption = caption[:-1]
        draw.text((x, y + h * scale + 2), caption, fill=255, font=font)
    return sheet
