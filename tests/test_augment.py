"""Random distortions: range, reproducibility, exact resampling, digits kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from numeral.augment import Augmentation, _bilinear, gaussian_matrix
from numeral.errors import ConfigError
from numeral.training import TrainConfig, train

FULL = Augmentation(
    shift=2, rotation=12, scale=0.1, shear=10, elastic_alpha=34, elastic_sigma=5
)


@pytest.fixture
def images(rng):
    """Sparse blobs on a black frame, like digits: (50, 28 * 28) float32 in [0, 1]."""
    X = np.zeros((50, 28, 28), dtype=np.float32)
    X[:, 8:20, 10:18] = rng.random((50, 12, 8), dtype=np.float32)
    return X.reshape(50, -1)


def test_output_keeps_shape_dtype_and_pixel_range(images, rng):
    out = FULL(images, (28, 28), rng)
    assert out.shape == images.shape
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, images)


def test_the_seed_fixes_the_distortions(images):
    first = FULL(images, (28, 28), np.random.default_rng(7))
    again = FULL(images, (28, 28), np.random.default_rng(7))
    other = FULL(images, (28, 28), np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_the_input_is_left_untouched(images, rng):
    before = images.copy()
    FULL(images, (28, 28), rng)
    np.testing.assert_array_equal(images, before)


def test_no_distortion_returns_a_copy(images, rng):
    out = Augmentation()(images, (28, 28), rng)
    np.testing.assert_array_equal(out, images)
    assert out is not images


def test_bilinear_sampling_at_whole_pixels_is_an_exact_shift(rng):
    image = rng.random((1, 5, 6), dtype=np.float32)
    r, c = np.meshgrid(np.arange(5), np.arange(6), indexing="ij")
    rows = (r - 1).astype(np.float32)[None]  # read one row up, two columns right
    cols = (c + 2).astype(np.float32)[None]
    out = _bilinear(image, rows, cols).reshape(5, 6)
    expected = np.zeros((5, 6), dtype=np.float32)
    expected[1:, :4] = image[0, :4, 2:]  # zeros where the source is off the frame
    np.testing.assert_array_equal(out, expected)


def test_bilinear_sampling_between_pixels_interpolates():
    image = np.array([[[0.0, 1.0], [0.5, 0.25]]], dtype=np.float32)
    rows = np.array([[[0.5, 0.0], [1.0, 1.5]]], dtype=np.float32)
    cols = np.array([[[0.5, 0.25], [0.5, 0.0]]], dtype=np.float32)
    out = _bilinear(image, rows, cols)
    # centre: mean of all four; a quarter of the way along the top row; half
    # way along the bottom row; half way off the bottom edge, towards zero
    expected = [(0 + 1 + 0.5 + 0.25) / 4, 0.25, 0.375, 0.25]
    np.testing.assert_allclose(out[0], expected, rtol=1e-6)


def test_pure_shifts_move_the_centre_of_mass_by_at_most_the_shift(images, rng):
    out = Augmentation(shift=3)(images, (28, 28), rng)
    rows = np.arange(28)[:, None].repeat(28, axis=1).ravel()

    def centre(X):
        return (X * rows).sum(axis=1) / X.sum(axis=1)

    moved = np.abs(centre(out) - centre(images))
    assert moved.max() <= 3.0 + 1e-3
    assert moved.mean() > 0.5


def test_gaussian_matrix_rows_sum_to_one_away_from_the_edges():
    G = gaussian_matrix(28, 3.0)
    np.testing.assert_allclose(G[12:16].sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(G[0].sum() < 1.0)  # beyond the edge counts as zero


def test_affine_distortions_keep_each_image_in_its_row(mnist):
    """Row i of the output is a distortion of input row i, not of another."""
    X = mnist.test_images[:300]
    mild = Augmentation(rotation=10, scale=0.1, shear=10)
    out = mild(X, mnist.image_shape, np.random.default_rng(0))

    def unit(A):
        A = A - A.mean(axis=1, keepdims=True)
        return A / np.linalg.norm(A, axis=1, keepdims=True)

    # the clean image each distorted one resembles most is its own source
    similarity = unit(out) @ unit(X).T  # (300, 300)
    assert np.mean(similarity.argmax(axis=1) == np.arange(300)) > 0.8  # chance: 1/300


def test_distorted_digits_keep_their_labels(mnist):
    """A network trained only on distorted digits learns to read clean ones."""
    subset = replace(
        mnist,
        train_images=mnist.train_images[:6000],
        train_labels=mnist.train_labels[:6000],
        test_images=mnist.test_images[:2000],
        test_labels=mnist.test_labels[:2000],
    )
    config = TrainConfig(
        hidden_sizes=(64,),
        epochs=3,
        val_size=1000,
        learning_rate=0.1,
        schedule="cosine",
        augment_shift=2,
        augment_rotation=12,
        augment_scale=0.1,
        augment_shear=10,
        elastic_alpha=34,
    )
    result = train(config, subset)
    assert result.final.test_accuracy > 0.8  # chance is 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"shift": -1}, "shift"),
        ({"scale": 1.0}, "scale must be below 1"),
        ({"shear": 90}, "shear"),
        ({"elastic_sigma": 0}, "sigma"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Augmentation(**kwargs)


def test_images_of_the_wrong_width_are_refused(rng):
    with pytest.raises(ConfigError, match="expected images of shape"):
        FULL(np.zeros((2, 100), np.float32), (28, 28), rng)
