"""Exceptions raised at numeral's boundaries.

Every error a user can cause (a bad option, a malformed file, a missing data set)
is a :class:`NumeralError`. The command line turns these into one line on stderr,
``numeral: error: ...``, and a non-zero exit code; anything else is a bug and keeps
its traceback.
"""

__all__ = [
    "ConfigError",
    "DataError",
    "ImageError",
    "ModelFileError",
    "NumeralError",
    "OutputError",
    "TrainingDiverged",
]


class NumeralError(Exception):
    """Base class of every error numeral reports to a user."""


class ConfigError(NumeralError, ValueError):
    """An option or hyper-parameter has a value numeral cannot use."""


class DataError(NumeralError):
    """A data file is missing, malformed or does not match its checksum."""


class ModelFileError(NumeralError):
    """A model file cannot be read, or does not describe a valid network."""


class OutputError(NumeralError):
    """An output file or folder cannot be written where the user asked."""


class ImageError(NumeralError):
    """An image file cannot be read or holds nothing to classify."""


class TrainingDiverged(NumeralError):
    """The loss became NaN or infinite during training."""
