"""The plain-text model format of number_recognition, the Rust program numeral follows.

A text model file holds four sections, each a bracketed header line followed by
its values, separated by blank lines::

    [layers]
    [784, 64, 64, 10]

    [weights]
    [w, w, ...]          one line per layer l: W[l] in column-major order
    ...

    [biases]
    [b, b, ...]          one line per layer l: b[l]
    ...

    [alpha]
    0.01                 the slope of the leaky ReLU hidden layers

``W[l]`` has shape ``(n_out, n_in)``; *column-major* means the values run down
each column first, so the line holds ``W[0, 0], W[1, 0], ..., W[n_out-1, 0],
W[0, 1], ...``. Values are 32-bit floats written in their shortest decimal form,
so reading a file and writing it back gives the same text.

The file does not say which output activation the network used: softmax for
models trained with cross-entropy, the logistic sigmoid for models trained with
the quadratic loss. Callers choose when reading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, make_activation
from .atomicfile import atomic_write
from .errors import ConfigError, ModelFileError
from .modelfile import Model, load_model
from .network import Network

__all__ = [
    "OUTPUT_ACTIVATIONS",
    "TextModel",
    "format_text_model",
    "from_network",
    "is_text_model",
    "parse_text_model",
    "read_any_model",
    "read_text_model",
    "to_model",
    "write_text_model",
]

HEADERS = ("[layers]", "[weights]", "[biases]", "[alpha]")

# output activation -> the loss such a network was trained with
OUTPUT_ACTIVATIONS = {"softmax": "cross_entropy", "sigmoid": "quadratic"}

MNIST_CLASSES = [str(digit) for digit in range(10)]


@dataclass
class TextModel:
    """The contents of a text model file.

    ``weights[i]`` has shape ``(sizes[i+1], sizes[i])`` and ``biases[i]`` shape
    ``(sizes[i+1],)``, both float32; ``alpha`` is the leaky ReLU slope.
    """

    sizes: list[int]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    alpha: float


class _Lines:
    """The lines of a text file, read one at a time with their 1-based numbers."""

    def __init__(self, text: str, source: str):
        self.lines = text.splitlines()
        self.source = source
        self.number = 0  # of the line read last

    def error(self, message: str, number: int | None = None) -> ModelFileError:
        number = self.number if number is None else number
        return ModelFileError(f"{self.source}, line {number}: {message}")

    def next_or_none(self) -> str | None:
        """The next line that is not blank, stripped; None at the end."""
        while self.number < len(self.lines):
            self.number += 1
            line = self.lines[self.number - 1].strip()
            if line:
                return line
        return None

    def next(self, what: str) -> str:
        """The next line that is not blank; raises if the file ends first."""
        line = self.next_or_none()
        if line is None:
            raise ModelFileError(
                f"{self.source}: the file ends after line {self.number}, "
                f"where {what} should follow"
            )
        return line

    def header(self, header: str) -> None:
        line = self.next(f"the {header} section")
        if line != header:
            raise self.error(f"expected the header {header}, found {_clip(line)!r}")

    def values(self, what: str, count: int) -> np.ndarray:
        """The next line as a bracketed list of ``count`` finite numbers, float32."""
        line = self.next(what)
        if not (line.startswith("[") and line.endswith("]")):
            raise self.error(
                f"{what}: expected a list in brackets, found {_clip(line)!r}"
            )
        tokens = [token.strip() for token in line[1:-1].split(",")]
        if tokens == [""]:
            tokens = []
        if len(tokens) != count:
            raise self.error(f"{what}: expected {count} values, found {len(tokens)}")
        try:
            values = np.array(tokens, dtype=np.float32)
        except ValueError:
            bad = next(i for i, t in enumerate(tokens) if not _is_number(t))
            raise self.error(
                f"{what}: value {bad + 1}, {_clip(tokens[bad])!r}, is not a number"
            ) from None
        if not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise self.error(
                f"{what}: value {bad + 1}, {tokens[bad]!r}, is not a finite number"
            )
        return values


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def parse_text_model(text: str, source: str = "<text>") -> TextModel:
    """Parse the contents of a text model file.

    Parameters
    ----------
    text
        The whole file.
    source
        The file's name, used in error messages.

    Raises
    ------
    ModelFileError
        Naming the line and what is wrong with it.
    """
    lines = _Lines(text, source)

    # [layers]: at least two positive integer sizes
    lines.header("[layers]")
    line = lines.next("the layer sizes")
    try:
        if not (line.startswith("[") and line.endswith("]")):
            raise ValueError
        sizes = [int(token) for token in line[1:-1].split(",")]
    except ValueError:
        raise lines.error(
            f"expected layer sizes such as [784, 64, 10], found {_clip(line)!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise lines.error(f"expected at least two positive layer sizes, found {sizes}")
    shapes = list(zip(sizes[1:], sizes[:-1]))  # (n_out, n_in) per layer

    # [weights]: one column-major line per layer
    lines.header("[weights]")
    weights = []
    for i, (n_out, n_in) in enumerate(shapes, start=1):
        flat = lines.values(f"weights of layer {i} ({n_out} x {n_in})", n_out * n_in)
        weights.append(flat.reshape((n_out, n_in), order="F"))

    # [biases]: one line per layer
    lines.header("[biases]")
    biases = [
        lines.values(f"biases of layer {i}", n_out)
        for i, (n_out, _) in enumerate(shapes, start=1)
    ]

    # [alpha]: one number, then nothing more
    lines.header("[alpha]")
    line = lines.next("the leaky ReLU slope")
    try:
        alpha = float(line)
    except ValueError:
        raise lines.error(
            f"expected the leaky ReLU slope as a number, found {_clip(line)!r}"
        ) from None
    if not 0.0 <= alpha < 1.0:
        raise lines.error(f"the leaky ReLU slope must be in [0, 1), found {alpha}")
    alpha_line = lines.number
    extra = lines.next_or_none()
    if extra is not None:
        raise lines.error(
            f"unexpected text after the [alpha] value of line {alpha_line}: "
            f"{_clip(extra)!r}"
        )

    return TextModel(sizes, weights, biases, alpha)


def _format_values(values: np.ndarray) -> str:
    """``[v, v, ...]`` with each float32 in its shortest round-trip decimal form."""
    text = ", ".join(
        np.format_float_positional(v, unique=True, trim="-") for v in values
    )
    return f"[{text}]"


def format_text_model(text_model: TextModel) -> str:
    """The text of a model file, as number_recognition writes it."""
    lines = ["[layers]", "[" + ", ".join(str(n) for n in text_model.sizes) + "]"]
    lines += ["", "[weights]"]
    lines += [
        _format_values(W.astype(np.float32).ravel(order="F"))
        for W in text_model.weights
    ]
    lines += ["", "[biases]"]
    lines += [_format_values(b.astype(np.float32)) for b in text_model.biases]
    alpha = np.format_float_positional(float(text_model.alpha), unique=True, trim="-")
    lines += ["", "[alpha]", alpha]
    return "\n".join(lines) + "\n"


def is_text_model(path: str | os.PathLike) -> bool:
    """Whether the file at ``path`` starts like a text model file."""
    try:
        with open(path, "rb") as f:
            start = f.read(64)
    except OSError:
        return False
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[layers]")


def read_text_model(path: str | os.PathLike) -> TextModel:
    """Read and parse the text model file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ModelFileError(f"{path}: cannot read it as a text model ({e})") from e
    return parse_text_model(text, str(path))


def write_text_model(path: str | os.PathLike, text_model: TextModel) -> Path:
    """Write ``text_model`` to ``path`` atomically and return the path."""
    path = Path(path)
    text = format_text_model(text_model)

    # write beside the target, then rename over it in one step
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return path


def to_model(text_model: TextModel, output: str = "softmax") -> Model:
    """A numeral :class:`Model` computing what the text model computes.

    Parameters
    ----------
    text_model
        As read by :func:`read_text_model`.
    output
        The output activation, ``"softmax"`` or ``"sigmoid"``, since the file
        does not record it.
    """
    if output not in OUTPUT_ACTIVATIONS:
        raise ConfigError(
            f"output activation must be one of {sorted(OUTPUT_ACTIVATIONS)}, "
            f"got {output!r}"
        )
    network = Network(
        [W.astype(np.float32) for W in text_model.weights],
        [b.astype(np.float32) for b in text_model.biases],
        LeakyReLU(alpha=text_model.alpha),
        make_activation(output),
    )
    metadata: dict = {"loss": OUTPUT_ACTIVATIONS[output]}
    if text_model.sizes[0] == 784 and text_model.sizes[-1] == 10:
        metadata.update(
            dataset="mnist", class_names=MNIST_CLASSES, image_shape=[28, 28]
        )
    return Model(network, metadata)


def from_network(network: Network) -> TextModel:
    """The text model of ``network``; raises if the format cannot describe it.

    The format holds networks whose hidden layers use leaky ReLU (plain ReLU is
    leaky ReLU with slope 0) and whose output is softmax or the logistic sigmoid.
    """
    hidden = network.hidden_activation
    if isinstance(hidden, LeakyReLU):
        alpha = hidden.alpha
    elif isinstance(hidden, ReLU):
        alpha = 0.0
    elif len(network.W) == 1:  # no hidden layer: the slope is never used
        alpha = LeakyReLU().alpha
    else:
        raise ModelFileError(
            f"the text model format holds leaky ReLU hidden layers only; this "
            f"network's hidden layers use {hidden.name}"
        )
    if not isinstance(network.output_activation, (Softmax, Sigmoid)):
        raise ModelFileError(
            "the text model format holds softmax or sigmoid outputs only; this "
            f"network's output uses {network.output_activation.name}"
        )
    return TextModel(
        list(network.sizes),
        [W.astype(np.float32) for W in network.W],
        [b.astype(np.float32) for b in network.b],
        float(alpha),
    )


def read_any_model(path: str | os.PathLike, output: str = "softmax") -> Model:
    """Read a numeral model file or a text model file, told apart by content.

    ``output`` is the output activation given to a text model (see
    :func:`to_model`); a numeral model file records its own.
    """
    if is_text_model(path):
        return to_model(read_text_model(path), output)
    return load_model(path)
