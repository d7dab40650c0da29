"""Exceptions of the model core, named after the situation they report.

Every one is a ``ValueError`` (bad input, not a bug), so a caller that only
wants "this train or load did not happen" catches :class:`ModelError`.
"""

from __future__ import annotations


class ModelError(ValueError):
    """A model could not be trained, used or loaded; the message says why."""


class TooFewLabels(ModelError):
    """Fewer labels than a model can learn from."""


class SingleClassError(ModelError):
    """Every label of the task has the same value: there is nothing to tell apart."""


class UnknownLabel(ModelError):
    """A label value that is not one of the task's values."""


class UnknownTarget(ModelError):
    """A stance target this model has no labels for (and no shared model to fall back on)."""


class LabelSetMismatch(ModelError):
    """A saved model was trained under another label set (or another version of it)."""


class ModelFileError(ModelError):
    """A model file that cannot be read: missing, not a skops file, or its card is."""


class TamperedModelFile(ModelFileError):
    """The model file is not the one its card describes (its SHA-256 differs)."""


class UntrustedModelFile(ModelFileError):
    """The model file holds types we do not load (it was not written by :func:`dump`)."""
