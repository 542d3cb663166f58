"""Figures: what each one shows, their files, and the ``numeral plot`` command."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from PIL import Image  # noqa: E402

from numeral import figures, plots  # noqa: E402
from numeral.cli import main  # noqa: E402
from numeral.cli.plot import KINDS  # noqa: E402
from numeral.errors import ConfigError  # noqa: E402
from numeral.modelfile import load_model, save_model  # noqa: E402


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def texts(ax):
    return [t.get_text() for t in ax.texts]


# choosing what to draw


def test_tile_lays_images_out_row_by_row_with_padding():
    images = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    grid = plots.tile(images, columns=2, pad=1)
    assert grid.shape == (5, 5)
    np.testing.assert_array_equal(grid[0:2, 0:2], images[0])
    np.testing.assert_array_equal(grid[0:2, 3:5], images[1])
    np.testing.assert_array_equal(grid[3:5, 0:2], images[2])
    # padding and the empty fourth cell hold the fill value
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 2]).all()
    assert np.isnan(grid[3:5, 3:5]).all()


def test_most_confident_errors_orders_wrong_answers_by_confidence():
    probabilities = np.array(
        [
            [0.9, 0.1, 0.0],  # right
            [0.2, 0.7, 0.1],  # wrong, 0.7
            [0.05, 0.05, 0.9],  # wrong, 0.9
            [0.4, 0.6, 0.0],  # wrong, 0.6
            [0.1, 0.1, 0.8],  # right
        ]
    )
    labels = np.array([0, 0, 1, 2, 2])
    np.testing.assert_array_equal(
        figures.most_confident_errors(probabilities, labels, 10), [2, 1, 3]
    )
    np.testing.assert_array_equal(
        figures.most_confident_errors(probabilities, labels, 2), [2, 1]
    )
    assert (
        len(figures.most_confident_errors(probabilities[[0, 4]], labels[[0, 4]], 5))
        == 0
    )


def test_class_scores_match_a_hand_worked_confusion_matrix():
    confusion = np.array([[5, 1, 0], [2, 6, 1], [0, 0, 5]])  # 20 samples
    accuracy, precision, recall = plots.class_scores(confusion)
    # class 0: 2 false positives, 1 false negative; class 1: 1 and 3; class 2: 1 and 0
    np.testing.assert_allclose(accuracy, [1 - 3 / 20, 1 - 4 / 20, 1 - 1 / 20])
    np.testing.assert_allclose(precision, [5 / 7, 6 / 7, 5 / 6])
    np.testing.assert_allclose(recall, [5 / 6, 6 / 9, 5 / 5])


# what each figure shows


def test_confusion_figure_writes_each_count_in_its_cell():
    confusion = np.array([[7, 1], [3, 9]])
    fig = plots.confusion_figure(confusion, ["a", "b"])
    (ax,) = image_axes(fig)
    np.testing.assert_array_equal(ax.images[0].get_array(), confusion)
    assert texts(ax) == ["7", "1", "3", "9"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_normalized_confusion_figure_shows_percent_of_each_true_class():
    fig = plots.confusion_figure(np.array([[7, 1], [3, 9]]), ["a", "b"], True)
    (ax,) = image_axes(fig)
    assert texts(ax) == ["87.5", "12.5", "25.0", "75.0"]
    np.testing.assert_allclose(
        ax.images[0].get_array(), [[7 / 8, 1 / 8], [3 / 12, 9 / 12]]
    )


def test_confusion_figure_refuses_a_matrix_that_does_not_fit_the_classes():
    with pytest.raises(ConfigError, match=r"shape \(2, 2\), expected \(3, 3\)"):
        plots.confusion_figure(np.eye(2), ["a", "b", "c"])


def test_errors_figure_titles_each_image_with_true_and_read_class(rng):
    images = rng.random((3, 16))
    fig = plots.errors_figure(
        images,
        (4, 4),
        true=np.array([1, 0, 2]),
        predicted=np.array([2, 1, 0]),
        confidence=np.array([0.987, 0.5, 0.333]),
        class_names=["zero", "one", "two"],
    )
    axes = image_axes(fig)
    assert [ax.get_title() for ax in axes] == [
        "true one\nread two (98.7%)",
        "true zero\nread one (50.0%)",
        "true two\nread zero (33.3%)",
    ]
    np.testing.assert_array_equal(
        axes[1].images[0].get_array(), images[1].reshape(4, 4)
    )


def test_errors_figure_says_so_when_nothing_is_wrong():
    empty = np.zeros(0, dtype=int)
    fig = plots.errors_figure(
        np.zeros((0, 4)), (2, 2), empty, empty, np.zeros(0), ["a", "b"]
    )
    assert not image_axes(fig)
    assert "no misclassified images" in [t.get_text() for t in fig.texts]


def test_weights_figure_draws_each_unit_scaled_by_its_largest_weight(rng):
    W = rng.normal(size=(5, 6)) * np.array([[1], [10], [0.1], [2], [3]])  # (5, 6)
    fig = plots.weights_figure(W, (2, 3))
    (ax,) = image_axes(fig)
    grid = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert grid.shape == (2 * 3 - 1, 3 * 4 - 1)  # 2 rows, 3 columns of 2 x 3 images
    for j in range(5):
        top, left = (j // 3) * 3, (j % 3) * 4
        expected = (W[j] / np.abs(W[j]).max()).reshape(2, 3)
        np.testing.assert_allclose(grid[top : top + 2, left : left + 3], expected)


def test_weights_figure_refuses_weights_that_are_not_images():
    with pytest.raises(ConfigError, match="784 inputs as images of 20x20"):
        plots.weights_figure(np.zeros((3, 784)), (20, 20))


def test_history_figure_draws_the_recorded_sets_only():
    history = [
        {"epoch": e, "train_loss": 1 / e, "val_loss": None, "val_accuracy": None}
        | {"test_loss": 0.5 / e, "test_accuracy": 0.9 + e / 100, "learning_rate": 0.1}
        for e in (1, 2, 3)
    ]
    fig = plots.history_figure(history)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training", "test"]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), [1, 1 / 2, 1 / 3])
    assert [line.get_label() for line in acc_ax.lines] == ["test"]
    np.testing.assert_allclose(acc_ax.lines[0].get_ydata(), [0.91, 0.92, 0.93])
    assert "learning rate 0.1" in loss_ax.get_title()


def test_history_figure_adds_a_learning_rate_axis_when_it_changed():
    history = [
        {"epoch": e, "train_loss": 1.0, "learning_rate": 0.1 / e} for e in (1, 2)
    ]
    fig = plots.history_figure(history)
    assert len(fig.axes) == 3
    assert fig.axes[2].get_ylabel() == "learning rate"


def test_samples_figure_shows_the_first_images_of_each_class():
    labels = np.array([1, 0, 1, 1, 0])
    images = np.arange(5)[:, None] * np.ones((5, 4)) / 10  # image i is all i / 10
    fig = plots.samples_figure(images, labels, (2, 2), ["a", "b"], per_class=2)
    grid = np.ma.filled(image_axes(fig)[0].images[0].get_array(), np.nan)
    # row 0: class a (images 1 and 4); row 1: class b (images 0 and 2)
    assert grid[0, 0] == 0.1 and grid[0, 4] == 0.4
    assert grid[4, 0] == 0.0 and grid[4, 4] == 0.2


# figures too large to draw are refused before drawing starts


@pytest.mark.parametrize(
    "size", [(100_000, 100_000), (20_001, 100), (8000, 6000), (99_999_999_999, 1)]
)
def test_a_figure_too_large_is_refused(size):
    with pytest.raises(ConfigError, match=f"{size[0]}x{size[1]} pixels is too large"):
        plots.confusion_figure(np.eye(2), ["a", "b"], size=size)


def test_a_figure_too_large_by_dpi_or_by_count_is_refused(rng):
    with pytest.raises(ConfigError, match="too large"):
        plots.confusion_figure(np.eye(2), ["a", "b"], dpi=100_000)
    images, labels = rng.random((3, 4)), np.array([0, 1, 0])
    with pytest.raises(ConfigError, match="55100x"):
        plots.samples_figure(images, labels, (2, 2), ["a", "b"], per_class=1000)


def test_a_dpi_too_small_for_text_is_refused():
    with pytest.raises(ConfigError, match="dpi must be at least 10, got 1"):
        plots.confusion_figure(np.eye(2), ["a", "b"], dpi=1)


@pytest.mark.parametrize(("kind", "count"), [("errors", 1001), ("samples", 1001)])
def test_model_figures_limit_their_count(kind, count, rng):
    from numeral.datasets import Dataset
    from numeral.modelfile import Model
    from numeral.network import Network

    images, labels = rng.random((6, 4)).astype(np.float32), np.array([0, 1] * 3)
    data = Dataset("tiny", images, labels, images, labels, ("a", "b"), (2, 2))
    model = Model(Network.create([4, 2], "relu", "softmax", rng=rng))
    with pytest.raises(ConfigError, match=f"at most 1,000 images.* not {count:,}"):
        figures.model_figure(kind, model, data, count=count, size=(400, 300))


# files


@pytest.mark.parametrize("size", [(300, 200), (640, 480)])
def test_png_has_exactly_the_requested_pixel_size(tmp_path, size):
    fig = plots.confusion_figure(np.array([[7, 1], [3, 9]]), ["a", "b"], size=size)
    path = plots.save_figure(fig, tmp_path / "c.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == size


def test_svg_and_pdf_files_are_valid_and_reproducible(tmp_path):
    def draw():
        return plots.confusion_figure(np.array([[7, 1], [3, 9]]), ["a", "b"])

    svg = plots.save_figure(draw(), tmp_path / "c.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    pdf = plots.save_figure(draw(), tmp_path / "c.PDF")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")

    # no dates or random ids inside: drawing again gives the same bytes
    again = plots.save_figure(draw(), tmp_path / "again.svg")
    assert again.read_bytes() == svg.read_bytes()
    assert plots.save_figure(draw(), tmp_path / "again.pdf").read_bytes() == data


def test_save_figure_refuses_an_unknown_extension(tmp_path):
    fig = plots.confusion_figure(np.eye(2), ["a", "b"])
    with pytest.raises(ConfigError, match=r"'\.jpg'.*\.png, \.svg or \.pdf"):
        plots.save_figure(fig, tmp_path / "c.jpg")
    assert not (tmp_path / "c.jpg").exists()


# the command


def plot(model_path, data_dir, out, *options):
    return main(
        ["plot", str(model_path), "--out", str(out), "--data-dir", str(data_dir)]
        + list(options)
    )


def test_every_kind_of_the_command_has_a_figure():
    assert list(KINDS) == list(figures.FIGURES)


@pytest.mark.parametrize("kind", list(KINDS))
def test_plot_writes_each_kind_at_the_requested_size(
    kind, small_model_path, data_dir, tmp_path
):
    out = tmp_path / f"{kind}.png"
    assert (
        plot(small_model_path, data_dir, out, "--kind", kind, "--size", "640x480") == 0
    )
    with Image.open(out) as image:
        assert image.size == (640, 480)
        lightest, darkest = image.convert("L").getextrema()
    assert darkest - lightest > 100  # something was drawn on the white page


def test_plot_size_follows_dpi(small_model_path, data_dir, tmp_path):
    out = tmp_path / "history.png"
    assert plot(small_model_path, data_dir, out, "--dpi", "50") == 0
    with Image.open(out) as image:
        assert image.size == (500, 200)  # the 10 x 4 inch default at 50 dpi


@pytest.mark.parametrize("kind", ["history", "weights"])
def test_plot_writes_svg_and_pdf(kind, small_model_path, data_dir, tmp_path):
    assert plot(small_model_path, data_dir, tmp_path / "f.svg", "--kind", kind) == 0
    ET.parse(tmp_path / "f.svg")
    assert plot(small_model_path, data_dir, tmp_path / "f.pdf", "--kind", kind) == 0
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF-")


def test_errors_figure_of_a_model_shows_its_most_confident_errors(
    small_model_path, mnist
):
    model = load_model(small_model_path)
    probabilities = model.predict_proba(mnist.test_images)
    wrong = np.argmax(probabilities, axis=1) != mnist.test_labels
    sure = np.sort(probabilities.max(axis=1)[wrong])[::-1][:5]

    fig = figures.model_figure("errors", model, mnist, count=5)
    titles = [ax.get_title() for ax in image_axes(fig)]
    assert [float(t.split("(")[1].rstrip("%)")) for t in titles] == pytest.approx(
        100 * sure, abs=0.05
    )
    assert f"of {wrong.sum():,} errors" in fig.get_suptitle()


def test_plot_counts_units_and_samples(small_model_path, mnist):
    model = load_model(small_model_path)
    fig = figures.model_figure("weights", model, count=9)
    assert fig.axes[0].images[0].get_array().shape == (3 * 29 - 1, 3 * 29 - 1)
    assert "(9 of 64 units)" in fig.axes[0].get_title()
    fig = figures.model_figure("samples", model, mnist, count=3)
    assert fig.axes[0].images[0].get_array().shape == (10 * 30 - 2, 3 * 30 - 2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--kind", "history", "--normalize"], "--normalize applies only to"),
        (["--kind", "confusion", "--count", "3"], "--count applies only to"),
    ],
)
def test_plot_refuses_options_that_do_not_apply(
    options, message, small_model_path, data_dir, tmp_path, capsys
):
    assert plot(small_model_path, data_dir, tmp_path / "f.png", *options) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "f.png").exists()


def test_plot_refuses_an_unknown_format_before_any_work(tmp_path, capsys):
    code = main(
        ["plot", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "f.gif")]
    )
    assert code == 1
    assert "'.gif'" in capsys.readouterr().err


def test_plot_rejects_a_malformed_size(small_model_path, capsys):
    assert main(["plot", str(small_model_path), "--size", "800by600"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_history_of_a_model_without_history_is_an_error(
    small_model_path, data_dir, tmp_path, capsys
):
    model = load_model(small_model_path)
    del model.metadata["history"]
    bare = save_model(tmp_path / "bare.npz", model)
    assert plot(bare, data_dir, tmp_path / "h.png") == 1
    assert "no training history" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["plot", "report"])
def test_without_matplotlib_the_commands_say_how_to_install_it(
    command, small_model_path, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    code = main([command, str(small_model_path), "--out", str(tmp_path / "a.png")])
    _, err = capsys.readouterr()
    assert code == 1
    assert err == (
        f"numeral: error: numeral {command} draws with matplotlib, which is not "
        'installed: pip install "numeral[plot]"\n'
    )


def run_python(code: str, **env) -> str:
    """Run ``code`` in a fresh interpreter and return what it printed."""
    import os

    environment = {k: v for k, v in os.environ.items() if k != "DISPLAY"} | env
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    return result.stdout.strip()


def test_numeral_and_its_commands_do_not_import_matplotlib():
    # importing numeral, building every parser and importing the terminal
    # evaluator must not pull in matplotlib: only plot and report draw
    code = (
        "import sys, numeral, numeral.cli, numeral.cli.evaluate\n"
        "numeral.cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    assert run_python(code) == "[]"


def test_drawing_needs_no_display(tmp_path):
    # a GUI back end without a display would fail if pyplot were involved
    code = (
        "import sys, numpy as np\n"
        "from numeral import plots\n"
        "fig = plots.confusion_figure(np.eye(2), ['a', 'b'])\n"
        f"plots.save_figure(fig, {str(tmp_path / 'c.png')!r})\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    assert run_python(code, MPLBACKEND="tkagg") == "False"
    assert (tmp_path / "c.png").stat().st_size > 0
