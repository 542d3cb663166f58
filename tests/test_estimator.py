"""The scikit-learn classifier: conformance, numeral's training, model files."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from dataclasses import fields

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from numeral.datasets import Dataset
from numeral.errors import ModelFileError
from numeral.estimator import (
    EXTRA_PARAMETERS,
    NOT_PARAMETERS,
    RENAMED,
    NumeralClassifier,
)
from numeral.modelfile import load_model
from numeral.training import TrainConfig, train

# digit names, whose sorted order is not the digits' order
NAMES = np.array(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Small matrix products run fastest, and steadiest on a busy machine, alone."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits, scaled to [0, 1]: a train and a test split."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)


def small(**params) -> NumeralClassifier:
    """A classifier small enough to train in a fraction of a second."""
    return NumeralClassifier(**{"hidden_sizes": (32,), "random_state": 0, **params})


# scikit-learn's own conformance suite


@parametrize_with_checks([NumeralClassifier(random_state=0)])
def test_sklearn_conformance(estimator, check, monkeypatch):
    # NOTE: the array-API check runs only when this variable is set; numeral
    # supports NumPy alone, so the check compares NumPy input with dispatch on
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def test_importing_numeral_does_not_import_sklearn():
    code = (
        "import sys, numeral, numeral.training, numeral.modelfile; "
        "sys.exit('sklearn' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# parameters and numeral's training


def test_every_train_option_is_a_parameter_with_its_default():
    params = NumeralClassifier().get_params()
    field_of = {
        name: RENAMED.get(name, name) for name in params if name not in EXTRA_PARAMETERS
    }
    defaults = TrainConfig()

    for f in fields(TrainConfig):
        assert f.name in field_of.values() or f.name in NOT_PARAMETERS, f.name
    for name, field_name in field_of.items():
        assert hasattr(defaults, field_name), name
        if name not in RENAMED:
            assert params[name] == getattr(defaults, field_name), name


def test_parameters_reach_the_training_config(digits):
    X, _, y, _ = digits
    clf = NumeralClassifier(
        hidden_sizes=(7, 5),
        activation="leaky_relu",
        alpha=0.2,
        output="sigmoid",
        loss="quadratic",
        init="xavier",
        optimizer="sgd",
        learning_rate=0.3,
        momentum=0.5,
        batch_size=17,
        epochs=3,
        target_accuracy=0.999,
        validation_size=100,
        shuffle=False,
        random_state=11,
    ).fit(X, y)

    config = clf.config_
    assert config.hidden_sizes == (7, 5)
    assert (config.activation, config.alpha) == ("leaky_relu", 0.2)
    assert (config.output, config.loss, config.init) == (
        "sigmoid",
        "quadratic",
        "xavier",
    )
    assert (config.optimizer, config.learning_rate, config.momentum) == (
        "sgd",
        0.3,
        0.5,
    )
    assert (config.batch_size, config.epochs) == (17, 3)
    assert (config.target_accuracy, config.val_size) == (0.999, 100)
    assert (config.shuffle, config.seed) == (False, 11)
    assert clf.network_.sizes == [64, 7, 5, 10]
    assert clf.network_.hidden_activation.alpha == 0.2
    assert clf.network_.output_activation.name == "sigmoid"


def test_fit_is_numerals_train(digits):
    X, _, y, _ = digits
    X = X.astype(np.float32)
    clf = small(epochs=3, random_state=5).fit(X, y)

    config = TrainConfig(hidden_sizes=(32,), epochs=3, val_size=0, seed=5)
    dataset = Dataset("digits", X, y, X[:0], y[:0], tuple("0123456789"), (8, 8))
    result = train(config, dataset)

    mine = clf.network_.W + clf.network_.b
    for ours, theirs in zip(mine, result.network.W + result.network.b):
        np.testing.assert_array_equal(ours, theirs)
    assert clf.loss_curve_ == [r.train_loss for r in result.history]
    assert clf.n_iter_ == 3
    assert all(r.test_accuracy is None for r in clf.history_)


def test_string_labels_and_probabilities(digits):
    X_train, X_test, y_train, y_test = digits
    clf = small().fit(X_train, NAMES[y_train])

    assert list(clf.classes_) == sorted(NAMES)
    assert clf.n_features_in_ == 64
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X_test), np.log(proba))
    predicted = clf.predict(X_test)
    np.testing.assert_array_equal(predicted, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X_test, NAMES[y_test]) > 0.9


def test_network_computes_in_the_input_float_type(digits):
    X, _, y, _ = digits
    assert small(epochs=1).fit(X.astype(np.float32), y).network_.dtype == np.float32
    assert small(epochs=1).fit(X, y).network_.dtype == np.float64
    assert small(epochs=1).fit((X * 16).astype(int), y).network_.dtype == np.float64


def test_any_number_of_layers_features_and_classes(rng):
    X = rng.normal(size=(60, 3))
    y = np.arange(60) % 7
    assert small(hidden_sizes=()).fit(X, y).network_.sizes == [3, 7]
    assert small(hidden_sizes=(5, 4, 3)).fit(X, y).network_.sizes == [3, 5, 4, 3, 7]


def test_random_state_decides_the_network(digits):
    X, _, y, _ = digits
    first = small(epochs=1, random_state=3).fit(X, y).network_.W[0]
    again = small(epochs=1, random_state=3).fit(X, y).network_.W[0]
    other = small(epochs=1, random_state=4).fit(X, y).network_.W[0]
    from_state = small(epochs=1, random_state=np.random.RandomState(3))

    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert from_state.fit(X, y).config_.seed != 3  # a seed drawn from the state
    with pytest.raises(ValueError, match="random_state must be"):
        small(random_state="three").fit(X, y)


def test_validation_rows_and_target_accuracy(digits):
    X, _, y, _ = digits
    clf = small(epochs=50, validation_size=0.2, target_accuracy=0.9).fit(X, y)

    assert clf.config_.val_size == round(0.2 * len(X))
    assert len(clf.validation_scores_) == clf.n_iter_ < 50
    assert clf.validation_scores_[-1] >= 0.9
    assert all(score < 0.9 for score in clf.validation_scores_[:-1])
    assert small(epochs=1).fit(X, y).validation_scores_ is None
    with pytest.raises(ValueError, match="validation_size > 0"):
        small(target_accuracy=0.9).fit(X, y)
    with pytest.raises(ValueError, match="validation_size must be"):
        small(validation_size=1.5).fit(X, y)


def test_bad_parameter_is_reported_at_fit(digits):
    X, _, y, _ = digits
    clf = small(activation="relu6")  # accepted until fit, as scikit-learn asks
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        clf.fit(X, y)


# partial_fit


def test_partial_fit_epochs_equal_fit_epochs(digits):
    X, _, y, _ = digits
    fitted = small(epochs=3).fit(X, y)
    online = small()
    for _ in range(3):
        online.partial_fit(X, y, classes=np.arange(10))

    for mine, theirs in zip(online.network_.W, fitted.network_.W):
        np.testing.assert_array_equal(mine, theirs)
    assert online.loss_curve_ == fitted.loss_curve_
    assert online.n_iter_ == 3
    assert [r.epoch for r in online.history_] == [1, 2, 3]


def test_partial_fit_learns_in_chunks_with_string_labels(digits):
    X_train, X_test, y_train, y_test = digits
    clf = small()
    for _ in range(4):
        for chunk in np.array_split(np.arange(len(X_train)), 5):
            clf.partial_fit(X_train[chunk], NAMES[y_train[chunk]], classes=NAMES)

    assert clf.n_iter_ == 20
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 2
    assert clf.score(X_test, NAMES[y_test]) > 0.9


def test_partial_fit_refuses_bad_classes(digits):
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        small().partial_fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[9\] are not in classes"):
        small().partial_fit(X, y, classes=np.arange(9))

    clf = small().partial_fit(X, y, classes=np.arange(10))
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=np.arange(11))
    clf.partial_fit(X[:50], y[:50])  # classes may be left out afterwards
    assert clf.n_iter_ == 2


def test_partial_fit_goes_on_after_fit(digits):
    X, _, y, _ = digits
    clf = small(epochs=2).fit(X, y)
    weights = clf.network_.W[0].copy()
    clf.partial_fit(X, y)

    assert clf.n_iter_ == 3
    assert not np.array_equal(weights, clf.network_.W[0])


# model files


def test_model_file_round_trip(digits, tmp_path):
    X_train, X_test, y_train, _ = digits
    clf = small(epochs=2, validation_size=0.1).fit(X_train, NAMES[y_train])
    path = clf.save(tmp_path / "digits.npz", dataset="digits", image_shape=(8, 8))
    loaded = NumeralClassifier.load(path)

    # the fraction held out comes back as the number of rows it was
    expected = {"validation_size": 135, "image_shape": (8, 8)}
    assert loaded.get_params() == clf.get_params() | expected
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))
    np.testing.assert_allclose(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    assert loaded.loss_curve_ == clf.loss_curve_
    assert loaded.validation_scores_ == clf.validation_scores_
    assert (loaded.n_iter_, loaded.n_features_in_) == (2, 64)

    # a plain numeral model, as the command line reads it
    model = load_model(path)
    assert (model.dataset, model.image_shape) == ("digits", (8, 8))
    assert model.class_names == list(clf.classes_)

    # a loaded classifier trains on, with a fresh optimiser
    loaded.partial_fit(X_train, NAMES[y_train])
    assert loaded.n_iter_ == 3


def test_model_from_numeral_train_is_a_classifier(small_model_path, mnist):
    clf = NumeralClassifier.load(small_model_path)

    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.hidden_sizes == (64,)
    assert clf.n_features_in_ == 784
    assert clf.n_iter_ == len(clf.loss_curve_) == 2
    X, y = mnist.test_images[:2000], mnist.test_labels[:2000]
    assert clf.score(X, y) > 0.9


def test_numeral_evaluate_reads_a_saved_classifier(mnist, data_dir, tmp_path, capsys):
    from numeral.cli import main

    X, y = mnist.train_images[:3000], mnist.train_labels[:3000]
    clf = NumeralClassifier(hidden_sizes=(32,), epochs=2, random_state=0).fit(X, y)
    path = clf.save(tmp_path / "m.npz", dataset="mnist", image_shape=(28, 28))
    capsys.readouterr()

    code = main(["evaluate", str(path), "--data-dir", str(data_dir), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["accuracy"] == clf.score(mnist.test_images, mnist.test_labels)


def test_model_without_config_or_labels(digits):
    X, _, y, _ = digits
    model = small(epochs=1, activation="tanh").fit(X, y).to_model()
    del model.metadata["config"], model.metadata["class_labels"]
    clf = NumeralClassifier.from_model(model)

    assert (clf.hidden_sizes, clf.activation) == ((32,), "tanh")
    np.testing.assert_array_equal(clf.classes_, np.arange(10))


def test_model_file_errors(digits):
    X, _, y, _ = digits
    clf = small(epochs=1).fit(X, y)
    with pytest.raises(ModelFileError, match=r"image shape \(28, 28\) does not hold"):
        clf.to_model(image_shape=(28, 28))

    model = clf.to_model()
    model.metadata["class_labels"] = [0, 1, 2]
    with pytest.raises(ModelFileError, match="names 3 classes but the network has 10"):
        NumeralClassifier.from_model(model)

    with pytest.raises(ValueError, match="not fitted"):
        small().to_model()


# inside scikit-learn's tools


def test_pipeline_and_grid_search_on_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    pipeline = make_pipeline(StandardScaler(), small(learning_rate=0.01))
    grid = {
        "numeralclassifier__hidden_sizes": [(16,), (64,)],
        # a rate this small barely moves the weights in one epoch
        "numeralclassifier__learning_rate": [1e-5, 0.01],
    }
    search = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)

    assert search.best_params_["numeralclassifier__learning_rate"] == 0.01
    scores = search.cv_results_["mean_test_score"]
    rates = search.cv_results_["param_numeralclassifier__learning_rate"]
    assert max(scores[rates == 1e-5]) < 0.5 < 0.9 < search.best_score_
    assert search.score(X_test, y_test) > 0.9
    fitted = search.best_estimator_[-1]
    assert (
        fitted.network_.sizes[1]
        == search.best_params_["numeralclassifier__hidden_sizes"][0]
    )


def test_accuracy_on_mnist_matches_sklearn_mlp(mnist):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = mnist.train_images[:10_000], mnist.train_labels[:10_000]
    X_test, y_test = mnist.test_images, mnist.test_labels
    settings = {"hidden": (64,), "lr": 0.05, "momentum": 0.9, "batch": 64, "epochs": 5}

    # numeral's network, initialised like scikit-learn's (Glorot uniform)
    ours = NumeralClassifier(
        hidden_sizes=settings["hidden"],
        init="xavier",
        optimizer="momentum",
        learning_rate=settings["lr"],
        momentum=settings["momentum"],
        batch_size=settings["batch"],
        epochs=settings["epochs"],
        random_state=0,
    ).fit(X, y)

    # scikit-learn's, with classical momentum and no weight penalty
    theirs = MLPClassifier(
        hidden_layer_sizes=settings["hidden"],
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=settings["lr"],
        momentum=settings["momentum"],
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=settings["batch"],
        max_iter=settings["epochs"],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)

    ours_accuracy, theirs_accuracy = (
        ours.score(X_test, y_test),
        theirs.score(X_test, y_test),
    )
    print(
        f"MNIST 10k train, 10k test: numeral {100 * ours_accuracy:.2f}%  "
        f"scikit-learn {100 * theirs_accuracy:.2f}%"
    )
    assert ours_accuracy > 0.9 and theirs_accuracy > 0.9
    assert abs(ours_accuracy - theirs_accuracy) < 0.02


def test_clone_keeps_parameters_not_state(digits):
    X, _, y, _ = digits
    clf = small(epochs=1, hidden_sizes=(9,)).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "network_")


def test_augmentation_needs_the_image_shape(digits):
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="image_shape"):
        NumeralClassifier(augment_shift=1.0, epochs=1).fit(X, y)
    clf = NumeralClassifier(
        augment_shift=1.0, image_shape=(8, 8), epochs=1, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ == 1


def test_early_stopping_parameters_reach_training(digits):
    X, _, y, _ = digits
    clf = NumeralClassifier(
        epochs=30, patience=2, validation_size=0.2, learning_rate=1.0,
        hidden_sizes=(8,), random_state=0,
    ).fit(X, y)  # fmt: skip
    assert clf.config_.patience == 2
    assert clf.n_iter_ < 30  # a rate this high stops improving quickly
