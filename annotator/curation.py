"""Role-checked reads for the curators' agreement page: everyone's labels and their reliability.

Start with :func:`agreement_view`. Agreement is measured on every
annotator's labels, which an annotator may not read (they label blind), so
the page reaches :mod:`annotator.agreement` only through here; the
adjudication queue, suspects and history check roles in their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from annotator import accounts, agreement
from annotator.accounts import Permission, User
from annotator.agreement import Reliability
from annotator.labelsets import LabelSet
from annotator.storage import Store


@dataclass(frozen=True)
class AgreementView:
    labels: pd.DataFrame  # agreement.LABEL_FRAME_COLUMNS
    reliability: Reliability


def agreement_view(
    store: Store,
    user: User,
    *,
    labelset: LabelSet | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> AgreementView:
    """The annotators' current labels and :func:`annotator.agreement.reliability`
    over them (alpha per task, target and frame; kappa per pair per task and
    per target), for a role that may see agreement."""
    accounts.require(user, Permission.SEE_AGREEMENT)
    labels = agreement.load_labels(store, labelset=labelset)
    result = agreement.reliability(
        labels, n_boot=n_boot, seed=seed, kappa_levels=("task", "target")
    )
    return AgreementView(labels=labels, reliability=result)
