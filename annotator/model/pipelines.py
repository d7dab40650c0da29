"""One factory for the model of each task kind: :func:`build_pipeline`.

Every pipeline has three steps, named so parameters can be set with
``set_params(features__min_df=3)``:

``mask``
    :class:`~annotator.model.features.TextMasker`: lower-cases the text and
    masks the given outlet names and other strings (bylines).
``features``
    :class:`~annotator.model.features.TextFeatures` (word 1-2-grams and
    ``char_wb`` 4-grams, TF-IDF) or, for stance,
    :class:`~annotator.model.stance.StanceFeatures` (the same, seen from the
    target: target names as a placeholder, per-target copies, target
    indicator).
``classify``
    :class:`~annotator.model.heads.CalibratedLinearClassifier` (single choice,
    stance) or :class:`~annotator.model.heads.ThresholdedOneVsRest` (multi
    choice): class-balanced linear SVMs with probabilities learnt on held-out
    folds.

Only scikit-learn's built-in analyzers are used (no tokenizer functions), so
a saved model holds nothing but data (see ``persistence``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sklearn.pipeline import Pipeline

from annotator.model.features import TextFeatures, TextMasker
from annotator.model.heads import CalibratedLinearClassifier, ThresholdedOneVsRest
from annotator.model.stance import StanceFeatures, normalise_aliases

KINDS = ("single", "multi", "stance")
FEATURE_PARAMS = ("word_ngrams", "char_ngrams", "min_df", "max_df", "max_features", "sublinear_tf")
HEAD_PARAMS = ("C", "class_weight", "max_iter", "cv", "random_state", "n_jobs")
STANCE_PARAMS = ("mode", "min_target_labels", "target_weight", "placeholder", "target_copy")
# Chosen with bench/model_quality.py on SmSA and SemEval-2016 (see docs/benchmarks.md).
DEFAULTS: dict[str, dict[str, Any]] = {
    "single": {"C": 0.3, "max_iter": 3, "char_ngrams": (4, 4)},
    "multi": {"C": 0.3, "max_iter": 3, "char_ngrams": (4, 4)},
    "stance": {
        "C": 0.3,
        "max_iter": 3,
        "char_ngrams": (4, 4),
        "mode": "augment",
        "min_target_labels": 10,
    },
}


def build_pipeline(
    kind: str,
    *,
    classes: Sequence[str] | None = None,
    mask: Iterable[str] = (),
    aliases: Mapping[str, Iterable[str]] | None = None,
    **params: Any,
) -> Pipeline:
    """The unfitted model of a task of ``kind`` (``"single"``, ``"multi"``, ``"stance"``).

    ``classes``: the task's values in label-set order (probability columns
    follow it). ``mask``: outlet names and other strings to hide from the
    model. ``aliases``: for stance, ``{target: [alias, ...]}``. Other
    keyword arguments set feature parameters (``word_ngrams``,
    ``char_ngrams``, ``min_df``, ``max_df``, ``max_features``,
    ``sublinear_tf``), classifier parameters (``C``, ``class_weight``,
    ``max_iter``, ``cv``, ``random_state``, ``n_jobs``) and, for stance, ``mode``
    (``"augment"``, ``"per_target"``, ``"shared"``), ``min_target_labels``,
    ``target_weight``, ``placeholder``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    allowed = (
        set(FEATURE_PARAMS) | set(HEAD_PARAMS) | (set(STANCE_PARAMS) if kind == "stance" else set())
    )
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise TypeError(
            f"unknown parameter(s) for a {kind} model: {', '.join(unknown)}; "
            f"known: {', '.join(sorted(allowed))}"
        )
    if aliases and kind != "stance":
        raise TypeError("aliases are for stance models (targets and their names)")
    settings = {**DEFAULTS[kind], **params}
    features = {k: settings[k] for k in FEATURE_PARAMS if k in settings}
    head = {k: settings[k] for k in HEAD_PARAMS if k in settings}
    value_order = tuple(classes) if classes is not None else None
    masker = TextMasker(strings=tuple(mask), column=0 if kind == "stance" else None)
    if kind == "stance":
        stance = {k: settings[k] for k in STANCE_PARAMS if k in settings}
        featurizer: Any = StanceFeatures(aliases=normalise_aliases(aliases), **stance, **features)
    else:
        featurizer = TextFeatures(**features)
    classifier: Any = (
        ThresholdedOneVsRest(classes=value_order, **head)
        if kind == "multi"
        else CalibratedLinearClassifier(classes=value_order, **head)
    )
    return Pipeline([("mask", masker), ("features", featurizer), ("classify", classifier)])
