"""The frameworks the benchmark compares, behind one small interface.

Every framework trains the same multi-layer perceptron from a *recipe*, a dict of
:class:`~numeral.training.TrainConfig` fields, and answers two questions:

``train_to_target(recipe, data, target, max_epochs)``
    train epoch by epoch, measuring test accuracy after each, until it exceeds
    ``target``; returns the epochs, accuracies and seconds
``throughput(recipe, data, timed)``
    the median seconds of ``timed`` training epochs, after a warm-up epoch, and
    of as many predictions of the test set

numeral runs its own :func:`~numeral.training.train`. scikit-learn's
``MLPClassifier`` and PyTorch run the same recipe translated by
:func:`peer_recipe`; each is imported only inside the functions that use it, so
a missing one is skipped, never an error at import time.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import fields, replace

import numpy as np

from ..datasets import Dataset
from ..training import TrainConfig, train

__all__ = ["FRAMEWORKS", "THROUGHPUT", "TRAIN_TO_TARGET", "peer_recipe", "unavailable"]

# framework name -> the module that must be importable to run it
FRAMEWORKS = {"numeral": "numeral", "scikit-learn": "sklearn", "pytorch": "torch"}

INSTALL = {
    "scikit-learn": "pip install scikit-learn",
    "pytorch": "pip install torch (the CPU-only build is enough)",
}


def unavailable(framework: str) -> str | None:
    """Why ``framework`` cannot run here, or None when it can."""
    if framework not in FRAMEWORKS:
        known = ", ".join(FRAMEWORKS)
        return f"unknown framework {framework!r}; choose from {known}"
    if importlib.util.find_spec(FRAMEWORKS[framework]) is None:
        return f"not installed ({INSTALL[framework]})"
    return None


def _accuracy(predicted, y) -> float:
    return float(np.mean(np.asarray(predicted) == y))


# --- recipes -----------------------------------------------------------------

# TrainConfig fields that only steer the loop or the bookkeeping, not the maths
_LOOP_FIELDS = {"epochs", "target_accuracy", "stop_on", "val_size", "dataset"}
_TRANSLATED = {
    "hidden_sizes",
    "activation",
    "alpha",
    "output",
    "loss",
    "init",
    "optimizer",
    "learning_rate",
    "momentum",
    "batch_size",
    "shuffle",
    "seed",
}


def peer_recipe(recipe: dict) -> tuple[dict, list[str]]:
    """The recipe as the peers can run it, and what of it they cannot.

    Returns ``(settings, problems)``: ``settings`` holds the translated values;
    ``problems`` names each setting a peer cannot reproduce (an empty list means
    the peers run exactly the recipe). Settings numeral knows and the peers do
    not are problems only when they differ from their defaults.
    """
    config = TrainConfig(**recipe)
    defaults = TrainConfig()
    problems = []
    if config.output != "softmax" or config.loss != "cross_entropy":
        problems.append(f"output {config.output} with loss {config.loss}")
    if config.activation not in ("relu", "tanh", "sigmoid"):
        problems.append(f"activation {config.activation}")
    if config.init not in ("he", "xavier"):
        problems.append(f"init {config.init}")
    if config.optimizer not in ("sgd", "momentum", "nesterov", "adam"):
        problems.append(f"optimizer {config.optimizer}")
    for f in fields(TrainConfig):
        known = f.name in _TRANSLATED or f.name in _LOOP_FIELDS
        if not known and getattr(config, f.name) != getattr(defaults, f.name):
            problems.append(f"{f.name}={getattr(config, f.name)!r}")
    settings = {name: getattr(config, name) for name in sorted(_TRANSLATED)}
    return settings, problems


def training_flops(sizes: list[int]) -> int:
    """Floating-point operations of the matrix products to train on one sample.

    Each layer's forward product ``W a`` and weight gradient ``delta aᵀ`` cost
    ``2 n_in n_out`` each; passing delta back (``Wᵀ delta``) costs as much again
    for every layer but the first, whose input needs no gradient.
    """
    layers = [2 * n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 2 * sum(layers) + sum(layers[1:])


def inference_flops(sizes: list[int]) -> int:
    """Floating-point operations of the matrix products to classify one sample."""
    return sum(2 * n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


# --- numeral -----------------------------------------------------------------


def numeral_train_to_target(recipe, data, target, max_epochs) -> dict:
    # all training rows are trained on; the test accuracy decides when to stop,
    # as soon as it *exceeds* the target (the smallest float above it)
    config = TrainConfig(
        **{
            **recipe,
            "epochs": max_epochs,
            "target_accuracy": float(np.nextafter(target, 1.0)),
            "stop_on": "test",
            "val_size": 0,
        }
    )
    result = train(config, data)
    return {
        "epochs": result.epochs,
        "test_accuracy": [r.test_accuracy for r in result.history],
        "epoch_seconds": [r.seconds for r in result.history],
        "train_seconds": result.seconds,
    }


def numeral_throughput(recipe, data, timed: int) -> dict:
    # a warm-up epoch, then ``timed`` epochs; the test set is one image, so
    # that each epoch's time is almost all training
    config = TrainConfig(**{**recipe, "epochs": 1 + timed, "val_size": 0})
    one = replace(
        data, test_images=data.test_images[:1], test_labels=data.test_labels[:1]
    )
    result = train(config, one)
    epochs = [record.seconds for record in result.history[1:]]
    predict = _median_seconds(result.network.predict_proba, data.test_images, timed)
    return {"epoch_seconds": float(np.median(epochs)), "predict_seconds": predict}


def _median_seconds(f, X, repeats: int) -> float:
    """Median wall seconds of ``f(X)`` over ``repeats`` calls, after a warm-up."""
    f(X)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        f(X)
        seconds.append(time.perf_counter() - started)
    return float(np.median(seconds))


# --- scikit-learn --------------------------------------------------------------


def _sklearn_model(settings: dict):
    """An ``MLPClassifier`` set up as the recipe says (``settings``)."""
    from sklearn.neural_network import MLPClassifier

    class HeMLPClassifier(MLPClassifier):
        # scikit-learn draws Glorot-uniform weights and biases; He-initialised
        # recipes get N(0, 2 / n_in) weights and zero biases instead, through
        # the private hook scikit-learn calls once per layer
        def _init_coef(self, fan_in, fan_out, dtype):
            self.he_initialised_ = True
            W = self._random_state.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))
            return W.astype(dtype), np.zeros(fan_out, dtype=dtype)

    optimizer = settings["optimizer"]
    cls = HeMLPClassifier if settings["init"] == "he" else MLPClassifier
    return cls(
        hidden_layer_sizes=settings["hidden_sizes"],
        activation={"sigmoid": "logistic"}.get(
            settings["activation"], settings["activation"]
        ),
        solver="adam" if optimizer == "adam" else "sgd",
        learning_rate="constant",
        learning_rate_init=settings["learning_rate"],
        momentum=settings["momentum"] if optimizer in ("momentum", "nesterov") else 0.0,
        nesterovs_momentum=optimizer == "nesterov",
        batch_size=settings["batch_size"],
        alpha=0.0,  # no L2 penalty
        shuffle=settings["shuffle"],
        random_state=settings["seed"],
    )


def _sklearn_run(settings, data, epochs, stop_above=None):
    clf = _sklearn_model(settings)
    classes = np.arange(data.n_classes)
    accuracies, epoch_seconds = [], []
    for _ in range(epochs):
        # partial_fit is one pass over the data, in mini-batches
        started = time.perf_counter()
        clf.partial_fit(data.train_images, data.train_labels, classes=classes)
        if stop_above is not None:
            accuracies.append(
                _accuracy(clf.predict(data.test_images), data.test_labels)
            )
        epoch_seconds.append(time.perf_counter() - started)
        if stop_above is not None and accuracies[-1] > stop_above:
            break
    init = "he" if getattr(clf, "he_initialised_", False) else "glorot-uniform"
    return clf, accuracies, epoch_seconds, init


def sklearn_train_to_target(recipe, data, target, max_epochs) -> dict:
    import sklearn.neural_network  # noqa: F401  (imported before the clock starts)

    settings, _ = peer_recipe(recipe)
    started = time.perf_counter()
    _, accuracies, epoch_seconds, init = _sklearn_run(
        settings, data, max_epochs, stop_above=target
    )
    return {
        "epochs": len(accuracies),
        "test_accuracy": accuracies,
        "epoch_seconds": epoch_seconds,
        "train_seconds": time.perf_counter() - started,
        "init": init,
    }


def sklearn_throughput(recipe, data, timed: int) -> dict:
    settings, _ = peer_recipe(recipe)
    clf, _, epoch_seconds, _ = _sklearn_run(settings, data, epochs=1 + timed)
    predict = _median_seconds(clf.predict_proba, data.test_images, timed)
    return {
        "epoch_seconds": float(np.median(epoch_seconds[1:])),
        "predict_seconds": predict,
    }


# --- PyTorch -------------------------------------------------------------------


class _TorchModel:
    """The recipe's network and optimiser in PyTorch, trained on the CPU."""

    def __init__(self, settings: dict, n_in: int, n_classes: int):
        import torch

        torch.manual_seed(settings["seed"])
        self.torch = torch
        self.batch_size = settings["batch_size"]
        self.shuffle = settings["shuffle"]
        activation = {
            "relu": torch.nn.ReLU,
            "tanh": torch.nn.Tanh,
            "sigmoid": torch.nn.Sigmoid,
        }[settings["activation"]]
        sizes = [n_in, *settings["hidden_sizes"], n_classes]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = torch.nn.Linear(fan_in, fan_out)
            if settings["init"] == "he":
                torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            else:
                torch.nn.init.xavier_uniform_(linear.weight)
            torch.nn.init.zeros_(linear.bias)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(activation())
        self.model = torch.nn.Sequential(*layers)

        optimizer, lr = settings["optimizer"], settings["learning_rate"]
        params = self.model.parameters()
        if optimizer == "adam":
            self.optimizer = torch.optim.Adam(params, lr=lr)
        else:
            # torch keeps v ← μ v + g and steps θ ← θ - η v: for a constant η
            # that is numeral's v ← μ v + η g, θ ← θ - v with v scaled by η
            momentum = settings["momentum"] if optimizer != "sgd" else 0.0
            self.optimizer = torch.optim.SGD(
                params, lr=lr, momentum=momentum, nesterov=optimizer == "nesterov"
            )

    def epoch(self, X, y) -> None:
        """One pass over ``(X, y)`` (torch tensors) in mini-batches."""
        torch = self.torch
        n = len(X)
        order = torch.randperm(n) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            rows = slice(start, start + self.batch_size)
            if order is not None:
                rows = order[rows]  # one gather per batch from the permutation
            X_batch, y_batch = X[rows], y[rows]
            self.optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(self.model(X_batch), y_batch)
            loss.backward()
            self.optimizer.step()

    def predict_proba(self, X):
        with self.torch.inference_mode():
            return self.torch.softmax(self.model(X), dim=1)


def _torch_tensors(data: Dataset):
    import torch

    return (
        torch.from_numpy(data.train_images),
        torch.from_numpy(data.train_labels.astype(np.int64)),
        torch.from_numpy(data.test_images),
    )


def torch_train_to_target(recipe, data, target, max_epochs) -> dict:
    settings, _ = peer_recipe(recipe)
    started = time.perf_counter()
    model = _TorchModel(settings, data.train_images.shape[1], data.n_classes)
    X, y, X_test = _torch_tensors(data)
    accuracies, epoch_seconds = [], []
    for _ in range(max_epochs):
        epoch_started = time.perf_counter()
        model.epoch(X, y)
        predicted = model.predict_proba(X_test).argmax(dim=1).numpy()
        accuracies.append(_accuracy(predicted, data.test_labels))
        epoch_seconds.append(time.perf_counter() - epoch_started)
        if accuracies[-1] > target:
            break
    return {
        "epochs": len(accuracies),
        "test_accuracy": accuracies,
        "epoch_seconds": epoch_seconds,
        "train_seconds": time.perf_counter() - started,
    }


def torch_throughput(recipe, data, timed: int) -> dict:
    settings, _ = peer_recipe(recipe)
    model = _TorchModel(settings, data.train_images.shape[1], data.n_classes)
    X, y, X_test = _torch_tensors(data)
    model.epoch(X, y)  # warm-up
    epoch_seconds = []
    for _ in range(timed):
        started = time.perf_counter()
        model.epoch(X, y)
        epoch_seconds.append(time.perf_counter() - started)
    return {
        "epoch_seconds": float(np.median(epoch_seconds)),
        "predict_seconds": _median_seconds(model.predict_proba, X_test, timed),
    }


TRAIN_TO_TARGET = {
    "numeral": numeral_train_to_target,
    "scikit-learn": sklearn_train_to_target,
    "pytorch": torch_train_to_target,
}
THROUGHPUT = {
    "numeral": numeral_throughput,
    "scikit-learn": sklearn_throughput,
    "pytorch": torch_throughput,
}
