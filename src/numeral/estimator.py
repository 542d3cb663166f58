"""numeral's network as a scikit-learn classifier.

:class:`NumeralClassifier` trains with :func:`numeral.training.train`: the network,
its gradients and its optimisers are numeral's own. scikit-learn supplies only the
conventions (input checks, ``get_params``/``set_params``, fitted attributes) that
let the classifier take part in pipelines, grid searches and cross-validation.

Every option of :class:`~numeral.training.TrainConfig` is a constructor parameter
of the same name, except those in :data:`RENAMED` (spelled the scikit-learn way)
and :data:`NOT_PARAMETERS` (meaningless here, with the reason). A new option
becomes a parameter by adding it, with its default, to ``__init__``.

scikit-learn is an optional dependency (``pip install "numeral[sklearn]"``). This
module imports it; ``import numeral`` does not.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "numeral.estimator needs scikit-learn 1.6 or later: "
        'pip install "numeral[sklearn]"'
    ) from e

from .datasets import Dataset
from .errors import ConfigError, ModelFileError
from .modelfile import Model, load_model, save_model
from .network import Network
from .training import (
    EpochRecord,
    TrainConfig,
    build_network,
    build_optimizer,
    train,
)

__all__ = ["NOT_PARAMETERS", "RENAMED", "NumeralClassifier"]

_DEFAULTS = TrainConfig()

# estimator parameter -> the TrainConfig field it sets, where the names differ
RENAMED = {"random_state": "seed", "validation_size": "val_size"}

# TrainConfig fields that are not parameters, and why
NOT_PARAMETERS = {
    "dataset": "it names the data set of a command-line run; an estimator's data "
    "come through fit()",
    "stop_on": "it picks the validation or the test set; an estimator has no test "
    "set, so target_accuracy always watches the validation rows",
    "checkpoint": "it names a command-line run's checkpoint file; a fitted "
    "estimator is saved with save()",
}

# parameters that are not TrainConfig fields
EXTRA_PARAMETERS = ("image_shape",)

# floating-point types the network computes in; other inputs become float64
_DTYPES = (np.float64, np.float32)


class NumeralClassifier(ClassifierMixin, BaseEstimator):
    """A multi-layer perceptron classifier trained by numeral.

    Parameters
    ----------
    hidden_sizes : tuple of int, default=(256,)
        Widths of the hidden layers; ``()`` gives a softmax regression.
    activation : str, default="relu"
        Hidden-layer activation: ``"relu"``, ``"leaky_relu"``, ``"sigmoid"``,
        ``"tanh"`` or ``"identity"``.
    alpha : float, default=0.01
        Slope of leaky ReLU for negative inputs (not a weight penalty).
    output : str, default="softmax"
        Output-layer activation, ``"softmax"`` or ``"sigmoid"``.
    loss : str, default="cross_entropy"
        Cost function, ``"cross_entropy"`` or ``"quadratic"``.
    init : str, default="he"
        Weight initialisation: ``"he"``, ``"xavier"`` or ``"uniform"``.
    optimizer : str, default="momentum"
        Update rule, ``"sgd"`` or ``"momentum"``.
    learning_rate : float, default=0.05
        Step size η.
    momentum : float, default=0.9
        Momentum μ, used by ``optimizer="momentum"``.
    batch_size : int, default=64
        Samples per mini-batch.
    epochs : int, default=10
        Passes over the training data made by :meth:`fit` (at most: see
        ``target_accuracy``).
    target_accuracy : float or None, default=None
        Stop :meth:`fit` once the accuracy on the validation rows reaches this
        fraction; needs ``validation_size > 0``.
    validation_size : int or float, default=0
        Training rows held out to measure validation accuracy after each epoch:
        a count, or a fraction of the rows when a float in (0, 1). The rows are
        drawn at random (from ``random_state``), not taken from the end.
    shuffle : bool, default=True
        Reshuffle the training rows every epoch.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the weights, the validation rows and the shuffling. An integer
        gives the same network on every fit; ``None`` draws a fresh seed.
    beta1, beta2, weight_decay, input_dropout, dropout, max_norm : see TrainConfig
        Adam's decay rates, L2 (or, for ``adamw``, decoupled) weight decay,
        dropout rates of the input and the hidden layers, and the max-norm limit.
    schedule, warmup_epochs, step_every, step_gamma, min_learning_rate : see \
TrainConfig
        The learning-rate schedule. :meth:`partial_fit` trains at a constant
        rate, since a schedule would restart at every call.
    patience : int, default=0
        Stop :meth:`fit` after this many epochs without a better validation
        accuracy and keep the best epoch's weights (needs ``validation_size``).
    augment_shift, augment_rotation, augment_scale, augment_shear, \
elastic_alpha, elastic_sigma : see TrainConfig
        Random distortions of the training images; they need ``image_shape``.
    image_shape : (int, int) or None, default=None
        Height and width of the image each row of ``X`` holds, for augmentation.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; output unit ``k`` stands for ``classes_[k]``.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    network_ : numeral.network.Network
        The trained network.
    config_ : numeral.training.TrainConfig
        The training configuration the network was trained with, seed included.
    history_ : list of numeral.training.EpochRecord
        One record per epoch trained.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float or None
        Validation accuracy after each epoch, or ``None`` with no validation rows.
    n_iter_ : int
        Number of epochs trained.

    Notes
    -----
    The network computes in float32 when ``X`` is float32 and in float64
    otherwise; :meth:`predict_proba` returns that type.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from numeral.estimator import NumeralClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = NumeralClassifier(hidden_sizes=(32,), random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = _DEFAULTS.hidden_sizes,
        activation: str = _DEFAULTS.activation,
        alpha: float = _DEFAULTS.alpha,
        output: str = _DEFAULTS.output,
        loss: str = _DEFAULTS.loss,
        init: str = _DEFAULTS.init,
        optimizer: str = _DEFAULTS.optimizer,
        learning_rate: float = _DEFAULTS.learning_rate,
        momentum: float = _DEFAULTS.momentum,
        batch_size: int = _DEFAULTS.batch_size,
        epochs: int = _DEFAULTS.epochs,
        target_accuracy: float | None = _DEFAULTS.target_accuracy,
        validation_size: int | float = 0,
        shuffle: bool = _DEFAULTS.shuffle,
        random_state=None,
        beta1: float = _DEFAULTS.beta1,
        beta2: float = _DEFAULTS.beta2,
        weight_decay: float = _DEFAULTS.weight_decay,
        input_dropout: float = _DEFAULTS.input_dropout,
        dropout: tuple[float, ...] = _DEFAULTS.dropout,
        max_norm: float = _DEFAULTS.max_norm,
        schedule: str = _DEFAULTS.schedule,
        warmup_epochs: float = _DEFAULTS.warmup_epochs,
        step_every: int = _DEFAULTS.step_every,
        step_gamma: float = _DEFAULTS.step_gamma,
        min_learning_rate: float = _DEFAULTS.min_learning_rate,
        patience: int = _DEFAULTS.patience,
        augment_shift: float = _DEFAULTS.augment_shift,
        augment_rotation: float = _DEFAULTS.augment_rotation,
        augment_scale: float = _DEFAULTS.augment_scale,
        augment_shear: float = _DEFAULTS.augment_shear,
        elastic_alpha: float = _DEFAULTS.elastic_alpha,
        elastic_sigma: float = _DEFAULTS.elastic_sigma,
        image_shape: tuple[int, int] | None = None,
    ):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.alpha = alpha
        self.output = output
        self.loss = loss
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.target_accuracy = target_accuracy
        self.validation_size = validation_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.beta1 = beta1
        self.beta2 = beta2
        self.weight_decay = weight_decay
        self.input_dropout = input_dropout
        self.dropout = dropout
        self.max_norm = max_norm
        self.schedule = schedule
        self.warmup_epochs = warmup_epochs
        self.step_every = step_every
        self.step_gamma = step_gamma
        self.min_learning_rate = min_learning_rate
        self.patience = patience
        self.augment_shift = augment_shift
        self.augment_rotation = augment_rotation
        self.augment_scale = augment_scale
        self.augment_shear = augment_shear
        self.elastic_alpha = elastic_alpha
        self.elastic_sigma = elastic_sigma
        self.image_shape = image_shape

    # -- training -----------------------------------------------------------------

    def fit(self, X, y) -> NumeralClassifier:
        """Train a new network on ``X`` of shape (n_samples, n_features) and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels of any sortable type (integers, strings...).

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=_DTYPES)
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        config = self._config(len(X))
        rng = np.random.default_rng(config.seed)

        # hold out random validation rows: train() takes them from the end
        if config.val_size > 0:
            order = rng.permutation(len(X))
            X, labels = X[order], labels[order]

        # train a new network with a new optimiser
        network = build_network(config, X.shape[1], len(classes), rng, X.dtype)
        optimizer = build_optimizer(config)
        result = train(
            config,
            _dataset(X, labels, classes, self.image_shape),
            network=network,
            optimizer=optimizer,
            rng=rng,
        )
        self._optimizer, self._rng = optimizer, rng
        self.classes_ = classes
        self._set_fitted(network, config, result.history)
        return self

    def partial_fit(self, X, y, classes=None) -> NumeralClassifier:
        """Train for one epoch on ``(X, y)``, going on from the current network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels, each one of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class label there will ever be. Required on the first call
            (when the classifier is not yet fitted); later it must not change.

        Returns
        -------
        self

        Notes
        -----
        Each call is one epoch over the rows it is given, with no validation
        rows and no early stop. The optimiser's state (its velocity) carries
        over from call to call, but not through a model file.
        """
        first = not hasattr(self, "classes_")
        classes = self._partial_fit_classes(first, classes)
        X, y = validate_data(
            self, X, y, dtype=_DTYPES if first else self.network_.dtype, reset=first
        )
        check_classification_targets(y)
        unknown = np.setdiff1d(y, classes)
        if len(unknown):
            raise ValueError(
                f"labels {unknown.tolist()} are not in classes {classes.tolist()}; "
                "pass every label with classes= on the first call to partial_fit"
            )
        labels = np.searchsorted(classes, y)

        # the first call builds the network; later calls go on from it
        if first:
            config = self._config(len(X))
            self._rng = np.random.default_rng(config.seed)
            network = build_network(
                config, X.shape[1], len(classes), self._rng, X.dtype
            )
            self._optimizer = build_optimizer(config)
            history = []
        else:
            config, network, history = self.config_, self.network_, self.history_
            if self._optimizer is None:  # loaded from a model file
                self._optimizer = build_optimizer(config)
                self._rng = np.random.default_rng(config.seed)

        # one epoch, nothing held out
        # (a schedule would restart at every call, so the rate stays constant,
        # and early stopping has nothing to watch)
        one_epoch = replace(
            config,
            epochs=1,
            val_size=0,
            target_accuracy=None,
            patience=0,
            schedule="constant",
            warmup_epochs=0.0,
        )
        result = train(
            one_epoch,
            _dataset(X, labels, classes, self.image_shape),
            network=network,
            optimizer=self._optimizer,
            rng=self._rng,
        )
        record = replace(result.history[0], epoch=len(history) + 1)
        self.classes_ = classes
        self._set_fitted(network, config, [*history, record])
        return self

    # -- prediction ---------------------------------------------------------------

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities: ``(n_samples, n_features) -> (n_samples, n_classes)``.

        Column ``k`` is the probability of ``classes_[k]``; each row sums to one.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_DTYPES, reset=False)
        return self.network_.predict_proba(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, shape (n_samples, n_classes).

        A probability that underflowed to zero gives ``-inf``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class label of each row, shape (n_samples,)."""
        proba = self.predict_proba(X)  # (n_samples, n_classes)
        return self.classes_[np.argmax(proba, axis=1)]

    # -- model files --------------------------------------------------------------

    def to_model(
        self, dataset: str | None = None, image_shape: tuple[int, int] | None = None
    ) -> Model:
        """The fitted network and its description as a numeral :class:`Model`.

        Parameters
        ----------
        dataset : str, optional
            Name of the data set the network was trained on, if it has one.
        image_shape : (int, int), optional
            ``(height, width)`` of the images the rows are, so that numeral's
            command line can read pictures for this model.

        Raises
        ------
        ModelFileError
            If a class label is not a string, integer, float or bool.
        """
        from . import __version__

        check_is_fitted(self)
        labels = self.classes_.tolist()
        for label in labels:
            if not isinstance(label, (str, numbers.Number)):
                raise ModelFileError(
                    f"class label {label!r} of type {type(label).__name__} cannot "
                    "be stored in a model file; use strings or numbers"
                )
        n_in = self.n_features_in_
        if image_shape is None:
            image_shape = self.image_shape
        if image_shape is not None and int(np.prod(image_shape)) != n_in:
            raise ModelFileError(
                f"image shape {tuple(image_shape)} does not hold the network's "
                f"{n_in} inputs"
            )
        metadata = {
            "dataset": dataset,
            "class_names": [str(label) for label in labels],
            "class_labels": labels,
            "class_labels_dtype": self.classes_.dtype.str,
            "loss": self.config_.loss,
            "config": self.config_.to_dict(),
            "history": [vars(record).copy() for record in self.history_],
            "numeral_version": __version__,
        }
        if image_shape is not None:
            metadata["image_shape"] = [int(n) for n in image_shape]
        return Model(self.network_, metadata)

    @classmethod
    def from_model(cls, model: Model) -> NumeralClassifier:
        """A fitted classifier holding ``model``'s network.

        The parameters come from the training configuration in the model file,
        as it was used: ``random_state`` is the seed drawn and
        ``validation_size`` the number of rows held out. A file without a
        configuration gives the defaults, with the network's own layer sizes,
        activations and loss. A file without class labels gives the
        labels ``0 .. n_classes - 1``, as ``numeral train`` uses.
        """
        network = model.network
        metadata = model.metadata
        n_out = network.sizes[-1]
        if "config" in metadata:
            try:
                config = TrainConfig.from_dict(metadata["config"])
            except ConfigError as e:
                raise ModelFileError(f"the model file's {e}") from e
        else:
            hidden = network.hidden_activation
            config = TrainConfig(
                hidden_sizes=tuple(network.sizes[1:-1]),
                activation=hidden.name,
                alpha=getattr(hidden, "alpha", _DEFAULTS.alpha),
                output=network.output_activation.name,
                loss=model.loss,
            )
        if "class_labels" in metadata:
            dtype = np.dtype(metadata.get("class_labels_dtype", "O"))
            classes = np.asarray(metadata["class_labels"], dtype=dtype)
        else:
            classes = np.arange(n_out)
        if classes.shape != (n_out,):
            raise ModelFileError(
                f"the model file names {len(classes)} classes but the network "
                f"has {n_out} outputs"
            )

        # parameters from the configuration, then the fitted state
        estimator = cls(
            **{p: getattr(config, f) for p, f in cls._config_fields().items()}
        )
        shape = metadata.get("image_shape")
        estimator.image_shape = tuple(shape) if shape else None
        estimator.classes_ = classes
        known = {f.name for f in fields(EpochRecord)}
        history = [
            EpochRecord(**{name: record.get(name) for name in known})
            for record in metadata.get("history", [])
        ]
        estimator._optimizer = None
        estimator._rng = None
        estimator._set_fitted(network, config, history)
        return estimator

    def save(self, path: str | os.PathLike, **description) -> Path:
        """Save as a numeral model file; ``description`` goes to :meth:`to_model`."""
        return save_model(path, self.to_model(**description))

    @classmethod
    def load(cls, path: str | os.PathLike) -> NumeralClassifier:
        """Read a numeral model file as a fitted classifier."""
        return cls.from_model(load_model(path))

    # -- helpers ------------------------------------------------------------------

    @classmethod
    def _config_fields(cls) -> dict[str, str]:
        """Each parameter that sets a TrainConfig field, mapped to that field."""
        return {
            name: RENAMED.get(name, name)
            for name in cls._get_param_names()
            if name not in EXTRA_PARAMETERS
        }

    def _config(self, n_samples: int) -> TrainConfig:
        """The TrainConfig the parameters describe, for ``n_samples`` rows."""
        values = {f: getattr(self, p) for p, f in self._config_fields().items()}

        # the renamed parameters also take scikit-learn's kinds of value
        values["seed"] = _seed(self.random_state)
        values["val_size"] = _validation_rows(self.validation_size, n_samples)
        if values["target_accuracy"] is not None and values["val_size"] == 0:
            raise ValueError(
                "target_accuracy is checked on validation rows; set "
                "validation_size > 0 (e.g. 0.1) or target_accuracy=None"
            )
        config = TrainConfig(**values)
        if config.make_augmentation().active and self.image_shape is None:
            raise ValueError(
                "augmentation distorts images: give image_shape=(height, width) "
                "of the rows of X"
            )
        return config

    def _partial_fit_classes(self, first: bool, classes) -> np.ndarray:
        """The sorted classes: from ``classes`` on the first call, else checked."""
        if classes is None:
            if first:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit, "
                    "e.g. partial_fit(X, y, classes=np.unique(y_all))"
                )
            return self.classes_
        classes = np.unique(np.asarray(classes))
        if not first and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"classes={classes.tolist()} differs from the classes "
                f"{self.classes_.tolist()} of the previous calls"
            )
        return classes

    def _set_fitted(
        self, network: Network, config: TrainConfig, history: list[EpochRecord]
    ) -> None:
        """Set the fitted attributes from a trained network and its history."""
        self.network_ = network
        self.config_ = config
        self.n_features_in_ = network.sizes[0]
        self.history_ = history
        self.n_iter_ = len(history)
        self.loss_curve_ = [record.train_loss for record in history]
        scores = [record.val_accuracy for record in history]
        has_scores = bool(scores) and all(s is not None for s in scores)
        self.validation_scores_ = scores if has_scores else None


def _dataset(
    X: np.ndarray, labels: np.ndarray, classes: np.ndarray, image_shape=None
) -> Dataset:
    """Rows ``X`` (n, n_features) and class indices (n,) as a data set, no test set."""
    # NOTE: train() reads the image shape only to augment; without one,
    # (1, n_features) just keeps Dataset.n_features right
    if image_shape is not None and int(np.prod(image_shape)) != X.shape[1]:
        raise ValueError(
            f"image_shape {tuple(image_shape)} does not hold the {X.shape[1]} "
            "features of each row"
        )
    return Dataset(
        name="estimator",
        train_images=X,
        train_labels=labels,
        test_images=X[:0],
        test_labels=labels[:0],
        class_names=tuple(str(label) for label in classes),
        image_shape=tuple(image_shape) if image_shape else (1, X.shape[1]),
    )


def _seed(random_state) -> int:
    """An integer seed from ``random_state`` (None, int, RandomState, Generator)."""
    if random_state is None:
        return int(np.random.default_rng().integers(2**31))
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31))
    raise ValueError(
        f"random_state must be None, an integer, a numpy RandomState or "
        f"Generator, got {random_state!r}"
    )


def _validation_rows(size, n_samples: int) -> int:
    """Rows to hold out: ``size`` itself, or that fraction of ``n_samples``."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool) and size >= 0:
        return int(size)
    if isinstance(size, numbers.Real) and 0 < size < 1:
        return int(round(size * n_samples))
    raise ValueError(
        f"validation_size must be a row count (0 or more) or a fraction in (0, 1), "
        f"got {size!r}"
    )
