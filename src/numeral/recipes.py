"""Named training recipes: tested sets of :class:`~numeral.training.TrainConfig` values.

``numeral train --recipe NAME`` starts from a recipe, and any option given on
the command line overrides the recipe's value. Without ``--recipe`` the command
uses :data:`DEFAULT_RECIPE`.

``original``
    The configuration of the original program's speed comparison: 784-256-10
    with ReLU and He initialisation, plain SGD at 0.1 with batches of 512,
    softmax with cross-entropy, no shuffling and no validation split, stopping
    as soon as the *test* accuracy reaches 96% (the original protocol, kept to
    reproduce its figures; no other recipe looks at the test set).
``fast``
    A good model in seconds: 784-256-10 trained for 7 epochs with Nesterov
    momentum, a cosine schedule from 0.2 and batches of 128, on images shifted
    by up to one pixel.
``best``
    As accurate as a plain MLP gets: 784-1024-1024-10 with dropout on the
    hidden layers, Nesterov momentum, light weight decay, one epoch of
    warm-up and a cosine schedule over 100 epochs, on training images
    distorted afresh every batch by random affine maps (shift, rotation, scale,
    shear) and elastic deformations. Its patience is as long as the run, so it
    never stops early but ends with the weights of the epoch that had the best
    validation accuracy.

The validation split (the last 10,000 training images) is the only data any
choice in ``fast`` and ``best`` was made on.
"""

from __future__ import annotations

from types import MappingProxyType

from .errors import ConfigError
from .training import TrainConfig

__all__ = ["DEFAULT_RECIPE", "RECIPES", "recipe_config"]

DEFAULT_RECIPE = "fast"

RECIPES = MappingProxyType(
    {
        "original": MappingProxyType(
            {
                "hidden_sizes": (256,),
                "activation": "relu",
                "init": "he",
                "optimizer": "sgd",
                "learning_rate": 0.1,
                "batch_size": 512,
                "epochs": 50,
                "shuffle": False,
                "val_size": 0,
                "target_accuracy": 0.96,
                "stop_on": "test",
            }
        ),
        "fast": MappingProxyType(
            {
                "hidden_sizes": (256,),
                "optimizer": "nesterov",
                "learning_rate": 0.2,
                "momentum": 0.9,
                "batch_size": 128,
                "epochs": 7,
                "schedule": "cosine",
                "augment_shift": 1.0,
            }
        ),
        "best": MappingProxyType(
            {
                "hidden_sizes": (1024, 1024),
                "optimizer": "nesterov",
                "learning_rate": 0.05,
                "momentum": 0.9,
                "batch_size": 128,
                "epochs": 100,
                "weight_decay": 1e-4,
                "dropout": (0.2,),
                "schedule": "cosine",
                "warmup_epochs": 1.0,
                "patience": 100,
                "augment_shift": 2.0,
                "augment_rotation": 12.0,
                "augment_scale": 0.1,
                "augment_shear": 10.0,
                "elastic_alpha": 34.0,
                "elastic_sigma": 5.0,
            }
        ),
    }
)


def recipe_config(name: str = DEFAULT_RECIPE, **overrides) -> TrainConfig:
    """The :class:`TrainConfig` of recipe ``name``, with ``overrides`` applied.

    Fields the recipe does not set keep the defaults of :class:`TrainConfig`.

    Raises
    ------
    ConfigError
        For an unknown recipe name or an unusable override.
    """
    if name not in RECIPES:
        known = ", ".join(RECIPES)
        raise ConfigError(f"unknown recipe {name!r}; choose one of: {known}")
    return TrainConfig(**{**RECIPES[name], **overrides})
