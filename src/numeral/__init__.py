"""numeral: a multi-layer perceptron written from scratch with NumPy.

The maths lives in :mod:`numeral.network` (forward pass and backpropagation),
:mod:`numeral.activations`, :mod:`numeral.losses`, :mod:`numeral.initializers`
and :mod:`numeral.optimizers`; :mod:`numeral.training` runs the mini-batch loop;
:mod:`numeral.datasets` and :mod:`numeral.idx` read the data; and
:mod:`numeral.modelfile` saves and loads trained models.

Importing numeral imports NumPy and nothing heavier.
"""

from .errors import NumeralError
from .modelfile import Model, load_model, save_model
from .network import Network
from .training import TrainConfig, train

__all__ = [
    "Model",
    "Network",
    "NumeralError",
    "TrainConfig",
    "__version__",
    "load_model",
    "save_model",
    "train",
]

__version__ = "0.1.0"
