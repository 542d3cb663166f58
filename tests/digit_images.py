"""Image files of MNIST digits in many disguises, for the preprocessing tests.

Each maker takes one MNIST digit, float of shape ``(28, 28)`` in ``[0, 1]`` with
light ink on black, and a folder; it writes one file showing that digit the way
a person's image might, and returns the file's path.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, features

SCALE = 4  # most files show the digit at 4 x MNIST's resolution


def ink(digit: np.ndarray, scale: int = SCALE) -> Image.Image:
    """The digit as an 8-bit image, light ink on black, scaled up smoothly."""
    image = Image.fromarray(np.round(digit * 255).astype(np.uint8))
    size = 28 * scale
    return image.resize((size, size), Image.Resampling.BICUBIC)


def paper(digit: np.ndarray, scale: int = SCALE) -> Image.Image:
    """The digit as dark ink on white paper."""
    return Image.eval(ink(digit, scale), lambda v: 255 - v)


def white_on_black(digit, folder: Path) -> Path:
    path = folder / "white_on_black.png"
    ink(digit).save(path)
    return path


def black_on_white(digit, folder: Path) -> Path:
    path = folder / "black_on_white.png"
    paper(digit).save(path)
    return path


def raw_mnist(digit, folder: Path) -> Path:
    path = folder / "raw_mnist.png"
    ink(digit, scale=1).save(path)
    return path


def blue_ink_on_cream(digit, folder: Path) -> Path:
    """RGB: blue ballpoint on cream paper."""
    path = folder / "blue_ink_on_cream.png"
    t = np.asarray(ink(digit), dtype=np.float32)[..., None] / 255
    cream, blue = np.array([245, 238, 215]), np.array([30, 40, 130])
    rgb = (1 - t) * cream + t * blue
    Image.fromarray(np.round(rgb).astype(np.uint8)).save(path)
    return path


def dark_on_transparent(digit, folder: Path) -> Path:
    """RGBA: black strokes whose only trace is the alpha channel."""
    path = folder / "dark_on_transparent.png"
    alpha = ink(digit)
    black = Image.new("L", alpha.size, 0)
    Image.merge("RGBA", (black, black, black, alpha)).save(path)
    return path


def light_on_transparent(digit, folder: Path) -> Path:
    """RGBA: white strokes on transparent white, drawn for a dark screen."""
    path = folder / "light_on_transparent.png"
    alpha = ink(digit)
    white = Image.new("L", alpha.size, 255)
    Image.merge("RGBA", (white, white, white, alpha)).save(path)
    return path


def grey_alpha(digit, folder: Path) -> Path:
    """LA: dark strokes on a transparent background."""
    path = folder / "grey_alpha.png"
    alpha = ink(digit)
    Image.merge("LA", (Image.new("L", alpha.size, 20), alpha)).save(path)
    return path


def palette(digit, folder: Path) -> Path:
    """P: an adaptive palette of 16 colours, green ink on white."""
    path = folder / "palette.png"
    t = np.asarray(ink(digit), dtype=np.float32)[..., None] / 255
    rgb = (1 - t) * np.array([255, 255, 255]) + t * np.array([0, 110, 40])
    image = Image.fromarray(np.round(rgb).astype(np.uint8))
    image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(path)
    return path


def palette_transparent_gif(digit, folder: Path) -> Path:
    """GIF: a grey palette whose white entry, the paper, is transparent."""
    path = folder / "palette_transparent.gif"
    grey = paper(digit)
    image = Image.frombytes("P", grey.size, grey.tobytes())  # index = grey level
    image.putpalette([level for level in range(256) for _ in range(3)])
    image.save(path, transparency=255)
    return path


def light_transparent_gif(digit, folder: Path) -> Path:
    """GIF: white ink drawn for a dark screen; the black entry is transparent."""
    path = folder / "light_transparent.gif"
    grey = ink(digit)
    image = Image.frombytes("P", grey.size, grey.tobytes())
    image.putpalette([level for level in range(256) for _ in range(3)])
    image.save(path, transparency=0)
    return path


def one_bit(digit, folder: Path) -> Path:
    path = folder / "one_bit.png"
    paper(digit).point(lambda v: 255 if v > 128 else 0).convert("1").save(path)
    return path


def sixteen_bit(digit, folder: Path) -> Path:
    """I;16: black on white over the full 16-bit range."""
    path = folder / "sixteen_bit.png"
    levels = np.asarray(paper(digit), dtype=np.uint16) * 257
    Image.fromarray(levels).save(path)
    return path


def _bmp(digit, path: Path, top_down: bool) -> Path:
    """A 24-bit BMP written by hand; top-down files store a negative height."""
    rgb = np.repeat(np.asarray(paper(digit))[..., None], 3, axis=2)
    height, width = rgb.shape[:2]
    rows = rgb[:, :, ::-1] if top_down else rgb[::-1, :, ::-1]  # BGR
    stride = (3 * width + 3) // 4 * 4
    pixels = b"".join(row.tobytes() + b"\0" * (stride - 3 * width) for row in rows)
    info = struct.pack(
        "<IiiHHIIiiII",
        40,
        width,
        -height if top_down else height,
        1,
        24,
        0,
        len(pixels),
        2835,
        2835,
        0,
        0,
    )
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 54)
    path.write_bytes(header + info + pixels)
    return path


def bmp_bottom_up(digit, folder: Path) -> Path:
    return _bmp(digit, folder / "bottom_up.bmp", top_down=False)


def bmp_top_down(digit, folder: Path) -> Path:
    return _bmp(digit, folder / "top_down.bmp", top_down=True)


def corner_of_canvas(digit, folder: Path) -> Path:
    """A small digit near the top-left corner of a large white canvas."""
    path = folder / "corner_of_canvas.png"
    canvas = Image.new("L", (1200, 900), 255)
    canvas.paste(paper(digit, scale=1), (15, 10))
    canvas.save(path)
    return path


def phone_photo(digit, folder: Path) -> Path:
    """A 5-megapixel JPEG of grey paper with the digit somewhere on it."""
    path = folder / "phone_photo.jpg"
    paper_colour = np.array([200, 196, 188], np.float32)
    t = np.asarray(ink(digit, scale=6), dtype=np.float32)[..., None] / 255
    patch = np.round(paper_colour * (1 - 0.8 * t)).astype(np.uint8)
    sheet = Image.new("RGB", (2600, 1950), tuple(int(c) for c in paper_colour))
    sheet.paste(Image.fromarray(patch), (1400, 700))
    sheet.save(path, quality=80)
    return path


def thick_strokes(digit, folder: Path) -> Path:
    path = folder / "thick_strokes.png"
    ink(digit).filter(ImageFilter.MaxFilter(7)).save(path)
    return path


def thin_strokes(digit, folder: Path) -> Path:
    path = folder / "thin_strokes.png"
    ink(digit).filter(ImageFilter.MinFilter(5)).save(path)
    return path


def jpeg(digit, folder: Path) -> Path:
    path = folder / "compressed.jpg"
    paper(digit).convert("RGB").save(path, quality=30)
    return path


def exif_rotated(digit, folder: Path) -> Path:
    """Pixels stored on their side; EXIF orientation 6 turns them upright."""
    path = folder / "exif_rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # display after turning 90 degrees clockwise
    stored = paper(digit).transpose(Image.Transpose.ROTATE_90)
    stored.save(path, exif=exif, quality=95)
    return path


def tiff(digit, folder: Path) -> Path:
    path = folder / "scan.tiff"
    paper(digit).save(path)
    return path


def webp(digit, folder: Path) -> Path:
    path = folder / "photo.webp"
    paper(digit).convert("RGB").save(path, quality=60)
    return path


def cmyk_jpeg(digit, folder: Path) -> Path:
    """JPEG in CMYK, as print workflows write them."""
    path = folder / "print.jpg"
    paper(digit).convert("RGB").convert("CMYK").save(path, quality=90)
    return path


MAKERS = [
    raw_mnist,
    white_on_black,
    black_on_white,
    blue_ink_on_cream,
    dark_on_transparent,
    light_on_transparent,
    grey_alpha,
    palette,
    palette_transparent_gif,
    light_transparent_gif,
    one_bit,
    sixteen_bit,
    bmp_bottom_up,
    bmp_top_down,
    corner_of_canvas,
    phone_photo,
    thick_strokes,
    thin_strokes,
    jpeg,
    exif_rotated,
    tiff,
    cmyk_jpeg,
] + ([webp] if features.check("webp") else [])


def header_only_png(path: Path, width: int, height: int) -> Path:
    """A PNG that declares its size and ends there: readable only up to decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    idat = zlib.compress(bytes(1000))[:20]  # the start of the pixel data only

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat))
    return path


def pick_digits(model, mnist) -> list[tuple[np.ndarray, int]]:
    """One MNIST test digit per class that ``model`` reads right on the raw input.

    Returns ``(digit, label)`` pairs, ``digit`` of shape ``(28, 28)``. Choosing
    digits the model already gets right (with probability over 0.9) makes a
    wrong answer on a disguised copy the fault of the preprocessing.
    """
    proba = model.predict_proba(mnist.test_images)  # (n, 10)
    right = (proba.argmax(axis=1) == mnist.test_labels) & (proba.max(axis=1) > 0.9)
    picked = []
    for label in range(10):
        i = int(np.flatnonzero(right & (mnist.test_labels == label))[0])
        picked.append((mnist.test_images[i].reshape(28, 28), label))
    return picked
