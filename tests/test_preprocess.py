"""Image files to network input: modes, polarity, transparency and geometry."""

from __future__ import annotations

import numpy as np
import pytest
from digit_images import (
    MAKERS,
    bmp_bottom_up,
    bmp_top_down,
    header_only_png,
    ink,
    paper,
    pick_digits,
)
from PIL import Image

from numeral.errors import ImageError
from numeral.modelfile import load_model
from numeral.preprocess import (
    BOX_SIZE,
    MAX_PIXELS,
    WORKING_SIZE,
    image_to_grey,
    ink_is_dark,
    load_grey,
    prepare_digit,
    preprocess_file,
    save_digit,
    transparent_background,
)


@pytest.fixture(scope="module")
def model(small_model_path):
    return load_model(small_model_path)


@pytest.fixture(scope="module")
def digits(model, mnist):
    return pick_digits(model, mnist)


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(x.shape)
    return float((rows * x).sum() / x.sum()), float((cols * x).sum() / x.sum())


def ink_box(x: np.ndarray) -> tuple[int, int]:
    """Height and width of the bounding box of the non-zero pixels."""
    rows = np.flatnonzero(x.any(axis=1))
    cols = np.flatnonzero(x.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


# every disguise of every digit reads as the digit


@pytest.mark.parametrize("make", MAKERS, ids=lambda make: make.__name__)
def test_disguised_digits_classify_as_their_digit(make, model, digits, tmp_path):
    wrong = []
    for digit, label in digits:
        path = make(digit, tmp_path)
        x = preprocess_file(path).pixels.reshape(1, 784)
        predicted = int(model.predict_proba(x)[0].argmax())
        if predicted != label:
            wrong.append(f"{label} read as {predicted}")
    assert not wrong, f"{make.__name__}: {', '.join(wrong)}"


def test_the_disguises_really_are_the_modes_they_claim(digits, tmp_path):
    digit = digits[0][0]
    modes = {make.__name__: Image.open(make(digit, tmp_path)).mode for make in MAKERS}
    assert modes["palette"] == "P"
    assert modes["one_bit"] == "1"
    assert modes["sixteen_bit"] == "I;16"
    assert modes["dark_on_transparent"] == "RGBA"
    assert modes["grey_alpha"] == "LA"
    assert modes["cmyk_jpeg"] == "CMYK"
    assert "transparency" in Image.open(tmp_path / "palette_transparent.gif").info


# the result looks like MNIST


def test_large_images_are_shrunk_before_the_float_steps(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("L", (5 * WORKING_SIZE, 700), 128).save(path)
    assert load_grey(path).shape == (700 // 5, WORKING_SIZE)


def test_output_shape_range_and_peak(digits):
    digit = digits[3][0]
    pixels = prepare_digit(digit).pixels
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert pixels.min() == 0 and pixels.max() == pytest.approx(1)


def test_mnist_digit_comes_back_nearly_unchanged(mnist):
    # MNIST digits were made this way, so preprocessing one changes it little
    x = mnist.test_images[:200].reshape(-1, 28, 28)
    y = np.stack([prepare_digit(d).pixels for d in x])
    assert np.abs(y - x).mean() < 0.03


def test_centre_of_mass_lands_at_the_centre(rng):
    canvas = np.zeros((300, 400), np.float32)
    canvas[20:120, 250:290] = 1.0  # a thick bar far from the centre
    canvas[100:120, 200:290] = 1.0  # and a foot, so the mass is off its box centre
    pixels = prepare_digit(canvas).pixels
    row, col = centre_of_mass(pixels)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_longer_side_is_twenty_pixels_keeping_the_aspect_ratio():
    canvas = np.zeros((500, 500), np.float32)
    canvas[100:400, 240:300] = 1.0  # 300 tall, 60 wide: 20 x 4 after scaling
    pixels = prepare_digit(canvas).pixels
    height, width = ink_box(pixels > 0.5)
    assert height == BOX_SIZE
    assert width == pytest.approx(BOX_SIZE * 60 / 300, abs=1)


def test_scaling_anti_aliases_instead_of_dropping_pixels():
    # one-pixel stripes every other column: point sampling would lose or keep
    # them all; averaging gives an even grey
    canvas = np.zeros((200, 200), np.float32)
    canvas[:, ::2] = 1.0
    pixels = prepare_digit(canvas, invert=False).pixels
    inside = pixels[6:20, 6:20]
    assert inside.std() < 0.05 and 0.2 < inside.mean() <= 1


def test_digit_size_does_not_matter(digits):
    digit = digits[5][0]
    small = prepare_digit(np.asarray(ink(digit, 2), np.float32) / 255).pixels
    large = prepare_digit(np.asarray(ink(digit, 8), np.float32) / 255).pixels
    assert np.abs(small - large).mean() < 0.03


# polarity


def test_polarity_is_detected_both_ways(digits):
    digit = digits[2][0]
    light = prepare_digit(digit)
    dark = prepare_digit(1 - digit)
    assert not light.inverted and dark.inverted
    np.testing.assert_allclose(light.pixels, dark.pixels, atol=1e-6)


def test_polarity_on_grey_paper_with_a_highlight():
    grey = np.full((100, 100), 0.6, np.float32)  # grey paper
    grey[30:70, 45:55] = 0.1  # dark ink
    grey[0, 0] = 0.8  # a glint, lighter than the paper
    assert ink_is_dark(grey)
    assert not ink_is_dark(1 - grey)


def test_forced_polarity_overrides_detection(digits):
    digit = digits[4][0]
    assert prepare_digit(1 - digit, invert=True).inverted
    with pytest.raises(ImageError, match="no ink.*polarity"):
        prepare_digit(1 - digit, invert=False)


# grey levels by mode and bit depth


def test_sixteen_bit_is_scaled_by_its_own_depth(tmp_path):
    levels = np.zeros((40, 40), np.uint16)
    levels[10:30, 18:22] = 20_000  # ink at 20000 / 65535 of white
    Image.fromarray(levels).save(tmp_path / "deep.png")
    grey = load_grey(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode == "I;16"
    assert grey.max() == pytest.approx(20_000 / 65_535, rel=1e-6)


def test_sixteen_bit_and_eight_bit_give_the_same_grey(digits, tmp_path):
    eight = paper(digits[6][0])
    eight.save(tmp_path / "eight.png")
    sixteen = np.asarray(eight, np.uint16) * 257
    Image.fromarray(sixteen).save(tmp_path / "sixteen.png")
    np.testing.assert_allclose(
        load_grey(tmp_path / "sixteen.png"),
        load_grey(tmp_path / "eight.png"),
        atol=1e-6,
    )


def test_thirty_two_bit_integer_and_float_images(digits, tmp_path):
    eight = np.asarray(paper(digits[1][0]), np.float32) / 255
    Image.fromarray((eight * 65535).astype(np.int32)).save(tmp_path / "i.tiff")
    Image.fromarray(eight).save(tmp_path / "f.tiff")
    assert Image.open(tmp_path / "i.tiff").mode == "I"
    assert Image.open(tmp_path / "f.tiff").mode == "F"
    np.testing.assert_allclose(load_grey(tmp_path / "i.tiff"), eight, atol=1e-4)
    np.testing.assert_allclose(load_grey(tmp_path / "f.tiff"), eight, atol=1e-6)


def test_one_bit_is_black_and_white(digits, tmp_path):
    path = tmp_path / "bits.png"
    paper(digits[0][0]).convert("1").save(path)
    assert set(np.unique(load_grey(path))) == {0.0, 1.0}


def test_palette_goes_through_its_colours():
    image = Image.new("P", (2, 1))
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    image.putpixel((1, 0), 1)  # pure red
    grey = image_to_grey(image)
    np.testing.assert_allclose(grey, [[0.0, 0.299]], atol=1 / 255)


def test_top_down_and_bottom_up_bmp_agree(digits, tmp_path):
    digit = digits[7][0]
    up, down = bmp_bottom_up(digit, tmp_path), bmp_top_down(digit, tmp_path)
    np.testing.assert_array_equal(load_grey(up), load_grey(down))
    expected = np.asarray(paper(digit), np.float32) / 255
    np.testing.assert_allclose(load_grey(down), expected, atol=1e-6)


def test_exif_orientation_turns_the_image_upright(digits, tmp_path):
    upright = paper(digits[9][0])
    upright.save(tmp_path / "upright.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # show after turning 90 degrees clockwise
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    stored.save(tmp_path / "turned.png", exif=exif)
    turned = load_grey(tmp_path / "turned.png")
    np.testing.assert_array_equal(turned, load_grey(tmp_path / "upright.png"))
    assert not np.array_equal(turned, np.asarray(stored, np.float32) / 255)


# transparency


def test_transparent_parts_of_a_picture_take_the_paper_colour():
    grey = np.full((10, 10), 0.9, np.float32)
    alpha = np.ones((10, 10), np.float32)
    alpha[:, :2] = 0  # a transparent margin beside mostly opaque paper
    grey[:, :2] = 0.0
    assert transparent_background(grey, alpha) == pytest.approx(0.9)


def test_ink_on_nothing_gets_a_contrasting_background():
    alpha = np.zeros((20, 20), np.float32)
    alpha[5:15, 9:11] = 1.0
    black, white = np.zeros_like(alpha), np.ones_like(alpha)
    assert transparent_background(black, alpha) == 1.0
    assert transparent_background(white, alpha) == 0.0


def test_strokes_anti_aliased_into_their_colours_show_their_background():
    # binary transparency, as in a GIF: the rim fades towards white, so the
    # strokes were drawn for white although the median opaque grey is light
    alpha = np.zeros((30, 30), np.float32)
    alpha[5:25, 10:20] = 1.0
    grey = np.full((30, 30), 0.8, np.float32)  # a wide light halo
    grey[8:22, 14:16] = 0.0  # a thin dark core
    assert np.median(grey[alpha == 1]) > 0.5
    assert transparent_background(grey, alpha) == 1.0


def test_fully_transparent_image_has_no_ink(tmp_path):
    path = tmp_path / "empty.png"
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(path)
    with pytest.raises(ImageError, match="no ink"):
        preprocess_file(path)


# errors


def test_blank_image_has_no_ink(tmp_path, rng):
    path = tmp_path / "blank.png"
    noise = 200 + rng.integers(0, 8, size=(60, 80))  # paper grain, no ink
    Image.fromarray(noise.astype(np.uint8)).save(path)
    with pytest.raises(ImageError, match=r"blank\.png: no ink found"):
        preprocess_file(path)


def test_unreadable_file(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(ImageError, match=r"notes\.png: cannot read it as an image"):
        preprocess_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        preprocess_file(tmp_path / "absent.png")


def test_oversize_image_is_refused_before_decoding(tmp_path):
    # the file stops after its header, so decoding it would fail differently
    path = header_only_png(tmp_path / "huge.png", 8000, 6000)
    with pytest.raises(ImageError, match=r"8000 x 6000 .* larger than the limit"):
        preprocess_file(path)
    with pytest.raises(ImageError, match="larger than the limit of 100"):
        preprocess_file(header_only_png(tmp_path / "small.png", 20, 20), max_pixels=100)
    assert MAX_PIXELS < 8000 * 6000


def test_decompression_bomb_is_an_image_error(tmp_path):
    path = header_only_png(tmp_path / "bomb.png", 60_000, 60_000)
    with pytest.raises(ImageError, match="large"):
        preprocess_file(path, max_pixels=10**10)


def test_save_digit_writes_what_the_network_saw(digits, tmp_path):
    pixels = prepare_digit(digits[8][0]).pixels
    path = save_digit(tmp_path / "seen.png", pixels)
    saved = np.asarray(Image.open(path), np.float32) / 255
    assert Image.open(path).mode == "L"
    np.testing.assert_allclose(saved, pixels, atol=0.5 / 255 + 1e-6)
