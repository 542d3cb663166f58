"""number_recognition's text model format, and ``numeral convert``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numeral.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from numeral.cli import main
from numeral.cli.evaluate import evaluate_model
from numeral.errors import ConfigError, ModelFileError
from numeral.modelfile import load_model, save_model
from numeral.network import Network
from numeral.textmodel import (
    TextModel,
    format_text_model,
    from_network,
    is_text_model,
    parse_text_model,
    read_any_model,
    read_text_model,
    to_model,
    write_text_model,
)

# a 2-3-2 network small enough to check by hand
TINY = """[layers]
[2, 3, 2]

[weights]
[1, 2, 3, 4, 5, 6]
[0.5, -1, 0, 2, -0.25, 1]

[biases]
[0.1, 0.2, -10]
[0, 1]

[alpha]
0.01
"""


@pytest.fixture(scope="module")
def real_model_path(fixtures_dir):
    path = fixtures_dir / "number_recognition" / "accurate.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_weights_are_read_column_major():
    text_model = parse_text_model(TINY)
    assert text_model.sizes == [2, 3, 2]
    # values run down each column of W (n_out, n_in) first
    np.testing.assert_array_equal(text_model.weights[0], [[1, 4], [2, 5], [3, 6]])
    np.testing.assert_array_equal(text_model.weights[1], [[0.5, 0, -0.25], [-1, 2, 1]])
    np.testing.assert_array_equal(text_model.biases[1], [0, 1])
    assert text_model.alpha == 0.01
    assert all(W.dtype == np.float32 for W in text_model.weights)


def test_converted_network_computes_by_hand():
    network = to_model(parse_text_model(TINY)).network
    x = np.array([[1.0, 1.0]], np.float32)
    # z1 = W1 x + b1 = [5.1, 7.2, -1]; leaky ReLU -> [5.1, 7.2, -0.01]
    a1 = np.array([5.1, 7.2, -0.01])
    z2 = np.array([0.5 * a1[0] - 0.25 * a1[2], -a1[0] + 2 * a1[1] + a1[2] + 1])
    expected = np.exp(z2) / np.exp(z2).sum()
    np.testing.assert_allclose(network.forward(x)[0], expected, rtol=1e-5)


def test_windows_line_endings_and_byte_order_mark(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbf" + TINY.replace("\n", "\r\n").encode())
    assert is_text_model(path)
    back = read_text_model(path)
    np.testing.assert_array_equal(back.weights[1], parse_text_model(TINY).weights[1])


def test_format_writes_the_text_it_read():
    assert format_text_model(parse_text_model(TINY)) == TINY


def test_round_trip_is_exact_for_awkward_floats(rng):
    values = np.concatenate(
        [
            rng.standard_normal(200).astype(np.float32),
            (rng.standard_normal(100) * 1e-30).astype(np.float32),
            (rng.standard_normal(100) * 1e30).astype(np.float32),
            np.array([0.0, -0.0, 1e-45, -3.4e38, 0.1, 1 / 3], np.float32),
        ]
    )
    rng.shuffle(values)
    n_in, n_out = 58, 7  # 406 weights
    text_model = TextModel(
        [n_in, n_out], [values[: n_in * n_out].reshape(n_out, n_in)], [values[:7]], 0.2
    )
    back = parse_text_model(format_text_model(text_model))
    # compare the bits, so that -0.0 and 0.0 differ
    assert back.weights[0].view(np.uint32).tolist() == (
        text_model.weights[0].view(np.uint32).tolist()
    )
    assert (
        back.biases[0].view(np.uint32).tolist() == values[:7].view(np.uint32).tolist()
    )
    assert back.alpha == 0.2


def test_real_model_round_trips_to_the_same_text(real_model_path, tmp_path):
    # text -> numeral model file -> text, through the command line
    npz, txt = tmp_path / "model.npz", tmp_path / "back.txt"
    assert main(["convert", str(real_model_path), str(npz)]) == 0
    assert main(["convert", str(npz), str(txt)]) == 0
    assert txt.read_text() == real_model_path.read_text()

    original = read_text_model(real_model_path)
    converted = load_model(npz)
    assert converted.network.sizes == [784, 64, 64, 10]
    for W, W_file in zip(converted.network.W, original.weights):
        assert W.dtype == np.float32
        np.testing.assert_array_equal(W, W_file)


def test_real_model_reads_mnist(real_model_path, mnist, tmp_path, capsys):
    npz = tmp_path / "model.npz"
    assert main(["convert", str(real_model_path), str(npz)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(npz), "--json"]) == 0
    accuracy = json.loads(capsys.readouterr().out)["accuracy"]
    assert accuracy > 0.9  # chance is 0.1

    # read row by row instead of column by column, the same weights are noise
    model = load_model(npz)
    model.network.W = [W.ravel(order="F").reshape(W.shape) for W in model.network.W]
    wrong = evaluate_model(model, mnist.test_images, mnist.test_labels)
    assert wrong["accuracy"] < 0.3


def test_converted_metadata(real_model_path, tmp_path, capsys):
    npz = tmp_path / "model.npz"
    assert main(["convert", str(real_model_path), str(npz)]) == 0
    model = load_model(npz)
    assert model.dataset == "mnist"
    assert model.class_names == [str(d) for d in range(10)]
    assert model.loss == "cross_entropy"
    assert isinstance(model.network.output_activation, Softmax)
    hidden = model.network.hidden_activation
    assert isinstance(hidden, LeakyReLU) and hidden.alpha == 0.01
    assert "(text, 784-64-64-10)" in capsys.readouterr().out


def test_sigmoid_output_is_an_option(tmp_path, capsys):
    source = tmp_path / "tiny.txt"
    source.write_text(TINY)
    npz = tmp_path / "tiny.npz"
    assert (
        main(["convert", str(source), str(npz), "--output-activation", "sigmoid"]) == 0
    )
    model = load_model(npz)
    assert isinstance(model.network.output_activation, Sigmoid)
    assert model.loss == "quadratic"

    # the text format does not record it, and says so on the way back
    capsys.readouterr()
    assert main(["convert", str(npz), str(tmp_path / "back.txt")]) == 0
    assert "--output-activation sigmoid" in capsys.readouterr().out
    assert (tmp_path / "back.txt").read_text() == TINY


def test_output_format_by_option_and_extension(tmp_path):
    source = tmp_path / "tiny.txt"
    source.write_text(TINY)
    # no known extension: the other format than the input's
    assert main(["convert", str(source), str(tmp_path / "model")]) == 0
    assert not is_text_model(tmp_path / "model")
    load_model(tmp_path / "model")
    # --to wins over the extension
    assert (
        main(["convert", str(source), str(tmp_path / "odd.npz"), "--to", "text"]) == 0
    )
    assert (tmp_path / "odd.npz").read_text() == TINY


def test_read_any_model_tells_the_formats_apart(tmp_path):
    source = tmp_path / "tiny.txt"
    source.write_text(TINY)
    save_model(tmp_path / "tiny.npz", to_model(read_text_model(source)))
    for path in (source, tmp_path / "tiny.npz"):
        assert read_any_model(path).network.sizes == [2, 3, 2]
    assert is_text_model(source) and not is_text_model(tmp_path / "tiny.npz")


def test_relu_is_leaky_relu_with_slope_zero():
    network = Network.create([4, 3, 2], hidden_activation="relu")
    assert from_network(network).alpha == 0.0
    network = Network.create([4, 3, 2], hidden_activation="leaky_relu", alpha=0.05)
    assert from_network(network).alpha == 0.05


def test_networks_the_format_cannot_hold():
    network = Network.create([4, 3, 2], hidden_activation="tanh")
    assert isinstance(network.hidden_activation, Tanh)
    with pytest.raises(ModelFileError, match="leaky ReLU hidden layers only"):
        from_network(network)
    network = Network.create([4, 3, 2], output_activation="identity")
    with pytest.raises(ModelFileError, match="softmax or sigmoid outputs only"):
        from_network(network)
    with pytest.raises(ConfigError, match="output activation"):
        to_model(parse_text_model(TINY), output="tanh")


def test_plain_relu_network_round_trips(tmp_path):
    network = Network.create([5, 4, 3], hidden_activation="relu")
    path = write_text_model(tmp_path / "relu.txt", from_network(network))
    back = to_model(read_text_model(path)).network
    assert isinstance(network.hidden_activation, ReLU)
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    np.testing.assert_array_equal(back.forward(x), network.forward(x))


# malformed files name the line and what is wrong


def replace_line(number: int, text: str) -> str:
    lines = TINY.splitlines()
    lines[number - 1] = text
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"ends after line 0, where the \[layers\] section"),
        (replace_line(1, "[sizes]"), r"line 1: expected the header \[layers\]"),
        (replace_line(2, "784, 10"), "line 2: expected layer sizes"),
        (replace_line(2, "[2, x, 2]"), "line 2: expected layer sizes"),
        (replace_line(2, "[784]"), "line 2: expected at least two positive"),
        (replace_line(2, "[2, 0, 2]"), "line 2: expected at least two positive"),
        (replace_line(4, "[weight]"), r"line 4: expected the header \[weights\]"),
        (
            replace_line(5, "[1, 2, 3, 4, 5]"),
            r"line 5: weights of layer 1 \(3 x 2\): expected 6 values, found 5",
        ),
        (
            replace_line(6, "[0.5, -1, 0, two, -0.25, 1]"),
            "line 6: weights of layer 2 .*: value 4, 'two', is not a number",
        ),
        (
            replace_line(6, "[0.5, -1, 0, 2, NaN, 1]"),
            "line 6: .*value 5, 'NaN', is not a finite number",
        ),
        (replace_line(6, "0.5, -1, 0, 2, -0.25, 1"), "line 6: .*expected a list"),
        (replace_line(9, "[0.1, 0.2]"), "line 9: biases of layer 1: expected 3"),
        (replace_line(10, "[0, inf]"), "line 10: biases of layer 2: .*not a finite"),
        (replace_line(12, "0.01"), r"line 12: expected the header \[alpha\]"),
        (replace_line(13, "slope"), "line 13: expected the leaky ReLU slope"),
        (replace_line(13, "1.5"), r"line 13: the leaky ReLU slope must be in \[0, 1\)"),
        (TINY + "\n[extra]\n", r"line 15: unexpected text .*line 13: '\[extra\]'"),
        (TINY.split("[biases]")[0], r"ends after line 7, where the \[biases\]"),
    ],
)
def test_malformed_text(text, message):
    with pytest.raises(ModelFileError, match=message):
        parse_text_model(text, "model.txt")


def test_malformed_file_through_convert(tmp_path, capsys):
    source = tmp_path / "bad.txt"
    source.write_text(replace_line(5, "[1, 2, 3]"))
    assert main(["convert", str(source), str(tmp_path / "out.npz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("numeral: error: ")
    assert "bad.txt, line 5: weights of layer 1" in err
    assert not (tmp_path / "out.npz").exists()
