"""The model core: train a task's model from labels, measure it, predict, save.

Start with :func:`fit_task` (labels in, a :class:`TrainedTask` with its
cross-validated :class:`Metrics` out; :func:`fit_tasks` trains every task of
a label set at once), then :func:`predict_proba` / :func:`predict_values`,
and :func:`dump` / :func:`load` for model versions. :func:`build_pipeline`
gives the unfitted scikit-learn pipeline of a task kind (``"single"``,
``"multi"``, ``"stance"``). No database and no UI here: storage of
versions, queues and pages build on this. Every refusal is a
:class:`ModelError` named after its situation.
"""

from annotator.model.errors import (
    LabelSetMismatch,
    ModelError,
    ModelFileError,
    SingleClassError,
    TamperedModelFile,
    TooFewLabels,
    UnknownLabel,
    UnknownTarget,
    UntrustedModelFile,
)
from annotator.model.features import TextFeatures, TextMasker, mask_texts
from annotator.model.heads import CalibratedLinearClassifier, ThresholdedOneVsRest
from annotator.model.metrics import ClassScores, GroupScores, LearningCurve, Metrics, Scores
from annotator.model.persistence import ModelVersionWarning, dump, load, read_card
from annotator.model.pipelines import KINDS, build_pipeline
from annotator.model.prediction import predict_proba, predict_values
from annotator.model.retrain import TaskLabels, fit_tasks
from annotator.model.stance import StanceFeatures, stance_rows
from annotator.model.training import TrainedTask, fit_task, hash_labels

__all__ = [
    "KINDS",
    "CalibratedLinearClassifier",
    "ClassScores",
    "GroupScores",
    "LabelSetMismatch",
    "LearningCurve",
    "Metrics",
    "ModelError",
    "ModelFileError",
    "ModelVersionWarning",
    "Scores",
    "SingleClassError",
    "StanceFeatures",
    "TamperedModelFile",
    "TaskLabels",
    "TextFeatures",
    "TextMasker",
    "ThresholdedOneVsRest",
    "TooFewLabels",
    "TrainedTask",
    "UnknownLabel",
    "UnknownTarget",
    "UntrustedModelFile",
    "build_pipeline",
    "dump",
    "fit_task",
    "fit_tasks",
    "hash_labels",
    "load",
    "mask_texts",
    "predict_proba",
    "predict_values",
    "read_card",
    "stance_rows",
]
