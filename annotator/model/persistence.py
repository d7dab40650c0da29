"""Save and load a trained task: a skops file plus a JSON card beside it.

Start with :func:`dump` and :func:`load`. The model file is written with
``skops.io`` (zip-compressed) and holds only data skops trusts by default:
numbers, strings, lists, dicts, numpy arrays and scikit-learn estimators.
Our own estimator classes are stored as a class name from a fixed list
(:data:`REGISTRY`) plus their attributes, and rebuilt by this module; so
``skops.io.get_untrusted_types`` of a file we wrote is empty, and any file
where it is not is refused before anything in it is built. Nothing is
ever unpickled.

The card (``<model file>.json``) says what the model is: label set and
version, hash of the training labels, counts per class, metrics, library
versions, creation time, and the SHA-256 of the model file, so a file that
is not the one its card describes is refused too.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import skops.io
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from annotator.model.errors import (
    LabelSetMismatch,
    ModelFileError,
    TamperedModelFile,
    UntrustedModelFile,
)
from annotator.model.features import TextFeatures, TextMasker
from annotator.model.heads import CalibratedLinearClassifier, ThresholdedOneVsRest
from annotator.model.metrics import Metrics, _plain
from annotator.model.stance import StanceFeatures
from annotator.model.training import TrainedTask, library_versions

FORMAT = "annotator.model/1"
CARD_FORMAT = "annotator.model-card/1"
REGISTRY: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Pipeline,
        TfidfVectorizer,
        TextMasker,
        TextFeatures,
        StanceFeatures,
        CalibratedLinearClassifier,
        ThresholdedOneVsRest,
    )
}
_MARK = "__annotator_object__"
_TERMS = "__annotator_terms__"


class ModelVersionWarning(UserWarning):
    """The model was saved with other library versions than the running ones."""


def card_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


# ---------------------------------------------------------------- encoding


def _encode(value: Any) -> Any:
    """Our estimators as ``{_MARK: class name, "state": attributes}``, recursively.

    A fitted vectorizer's vocabulary (a dict of ~10^5 terms, slow for skops
    to write and read item by item) is stored as its terms end to end plus
    their lengths, in index order.
    """
    name = next((n for n, cls in REGISTRY.items() if type(value) is cls), None)
    if name is not None:
        state = {k: _encode(v) for k, v in vars(value).items()}
        if isinstance(value, TfidfVectorizer) and isinstance(state.get("vocabulary_"), dict):
            state["vocabulary_"] = _pack_terms(value.vocabulary_)
        return {_MARK: name, "state": state}
    if isinstance(value, dict):
        if _MARK in value or _TERMS in value:
            raise ValueError(f"a dict key may not be {_MARK!r} or {_TERMS!r}")
        return {k: _encode(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_encode(v) for v in value)
    return value


def _pack_terms(vocabulary: dict[str, int]) -> dict[str, Any]:
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
    return {_TERMS: "".join(terms), "lengths": lengths}


def _unpack_terms(packed: dict[str, Any]) -> dict[str, int]:
    text, ends = packed[_TERMS], np.cumsum(packed["lengths"]).tolist()
    starts = [0, *ends[:-1]]
    return {text[a:b]: i for i, (a, b) in enumerate(zip(starts, ends, strict=True))}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if _TERMS in value:
            return _unpack_terms(value)
        if _MARK in value:
            cls = REGISTRY.get(value[_MARK])
            if cls is None or set(value) != {_MARK, "state"}:
                raise UntrustedModelFile(f"unknown object {value[_MARK]!r} in the model file")
            obj: Any = object.__new__(cls)
            obj.__dict__.update({k: _decode(v) for k, v in value["state"].items()})
            return obj
        return {k: _decode(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_decode(v) for v in value)
    return value


# ---------------------------------------------------------------- dump


def dump(
    trained: TrainedTask,
    path: Path | str,
    *,
    labelset: tuple[str, int],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``trained`` to ``path`` (skops, compressed) and its card to
    ``<path>.json``; return the card. ``labelset``: the (name, version) the
    labels were made under. ``extra``: more card fields (e.g. who trained)."""
    path = Path(path)
    name, version = labelset
    payload = {
        "format": FORMAT,
        "labelset": [str(name), int(version)],
        "kind": trained.kind,
        "classes": list(trained.classes_),
        "model": _encode(trained.model),
        "metrics": trained.metrics.to_dict(),
        "counts": dict(trained.counts),
        "n_labels": trained.n_labels,
        "labels_hash": trained.labels_hash,
        "targets": list(trained.targets),
        "none_applies": trained.none_applies,
        "favor": trained.favor,
        "against": trained.against,
        "params": _plain(trained.params),
        "created": trained.created,
        "versions": dict(trained.versions),
    }
    buffer = io.BytesIO()
    skops.io.dump(payload, buffer, compression=zipfile.ZIP_DEFLATED)
    data = buffer.getvalue()
    path.write_bytes(data)
    card = {
        "format": CARD_FORMAT,
        "model_file": path.name,
        "model_sha256": hashlib.sha256(data).hexdigest(),
        "model_bytes": len(data),
        "created": trained.created,
        "kind": trained.kind,
        "labelset": {"name": str(name), "version": int(version)},
        "labels_hash": trained.labels_hash,
        "n_labels": trained.n_labels,
        "counts": dict(trained.counts),
        "none_applies": trained.none_applies,
        "classes": list(trained.classes_),
        "targets": list(trained.targets),
        "thresholds": trained.thresholds,
        "metrics": trained.metrics.to_dict(),
        "versions": dict(trained.versions),
        "params": _plain(trained.params),
        **dict(extra or {}),
    }
    card_path(path).write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return card


# ---------------------------------------------------------------- load


def read_card(path: Path | str) -> dict[str, Any]:
    """The card of the model file at ``path``."""
    where = card_path(path)
    try:
        card = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"no model card {where.name} beside {Path(path).name}") from None
    except (OSError, ValueError) as error:
        raise ModelFileError(f"model card {where.name} is unreadable: {error}") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelFileError(f"{where.name} is not a model card of this workbench")
    return card


def load(path: Path | str, *, expected_labelset: tuple[str, int] | None = None) -> TrainedTask:
    """The trained task saved at ``path``, after checking it.

    Refuses (without building anything from the file) a file whose SHA-256
    is not the card's (:class:`TamperedModelFile`) or that holds types
    outside what skops trusts (:class:`UntrustedModelFile`); then refuses a
    model made under another label set or version than
    ``expected_labelset`` (:class:`LabelSetMismatch`).
    """
    path = Path(path)
    card = read_card(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"cannot read model file {path.name}: {error}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != card.get("model_sha256"):
        raise TamperedModelFile(
            f"{path.name} is not the file its card describes (SHA-256 {digest[:12]}..., "
            f"card says {str(card.get('model_sha256'))[:12]}...): refusing to load it"
        )
    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as error:  # a damaged zip or schema: skops raises many kinds
        raise ModelFileError(f"{path.name} is not a readable skops file: {error}") from None
    if untrusted:
        raise UntrustedModelFile(
            f"{path.name} holds types this workbench does not load: {', '.join(untrusted)}"
        )
    try:
        payload = skops.io.loads(data)
    except Exception as error:
        raise ModelFileError(f"{path.name} could not be read: {error}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path.name} is not a model file of this workbench")
    saved = (payload["labelset"][0], int(payload["labelset"][1]))
    if (card["labelset"]["name"], int(card["labelset"]["version"])) != saved:
        raise TamperedModelFile(f"the card of {path.name} names another label set than the file")
    if expected_labelset is not None:
        expected = (str(expected_labelset[0]), int(expected_labelset[1]))
        if expected != saved:
            raise LabelSetMismatch(
                f"model {path.name} was trained under label set {saved[0]!r} version {saved[1]}, "
                f"not {expected[0]!r} version {expected[1]}: retrain it"
            )
    _warn_versions(payload.get("versions", {}), path.name)
    return TrainedTask(
        kind=payload["kind"],
        model=_decode(payload["model"]),
        classes_=tuple(payload["classes"]),
        metrics=Metrics.from_dict(payload["metrics"]),
        counts=dict(payload["counts"]),
        n_labels=int(payload["n_labels"]),
        labels_hash=payload["labels_hash"],
        targets=tuple(payload["targets"]),
        none_applies=int(payload.get("none_applies", 0)),
        favor=payload["favor"],
        against=payload["against"],
        params=dict(payload["params"]),
        created=payload["created"],
        versions=dict(payload["versions"]),
    )


def _warn_versions(saved: Mapping[str, str], name: str) -> None:
    running = library_versions()
    changed = [
        f"{package} {saved[package]} -> {running[package]}"
        for package in ("scikit-learn", "numpy", "scipy")
        if package in saved and saved[package] != running.get(package)
    ]
    if changed:
        warnings.warn(
            f"{name} was saved with other library versions ({'; '.join(changed)}); "
            "its predictions may differ slightly: retrain to be sure",
            ModelVersionWarning,
            stacklevel=3,
        )
