"""The history of a sentence: every change of every label, who made it and when.

Start with :func:`sentence_history` (role-checked: a curator or admin sees
everyone's changes, an annotator only those of their own labels) or, over
stored rows, :func:`changes_of`. A change is one revision's new state of one
(annotator, task, target) next to the state before it; labels are
append-only (:mod:`annotator.annotations`), so nothing is ever lost and an
undo shows as a change of its own that names the revision it reversed.
:func:`history_frame` lays the changes out as the table the pages show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from annotator import accounts
from annotator.accounts import Permission, User
from annotator.storage import Store
from annotator.storage import history as history_sql
from annotator.storage.history import HistoryRow

HISTORY_COLUMNS = (
    "revision", "when", "who", "annotator", "task", "target", "old", "new", "source", "undoes",
)  # fmt: skip
NO_LABEL = "—"
NONE_APPLIES_TEXT = "(none applies)"

Values = tuple[str, ...] | None  # None: no label (never labelled, or cleared)


@dataclass(frozen=True)
class Change:
    """One revision's change of one label: ``who`` saved it; ``annotator`` is
    whose label it is (``gold`` for an adjudication)."""

    revision_id: int
    when: datetime
    who: str
    annotator: str
    task: str
    target: str
    old: Values
    new: Values
    source: str
    undoes: int | None  # the revision an undo reversed


def changes_of(rows: Iterable[HistoryRow]) -> list[Change]:
    """Group stored rows (oldest revision first) into changes, each with the
    state its key had before."""
    grouped: dict[tuple[int, str, str, str], list[HistoryRow]] = {}
    for row in rows:
        grouped.setdefault((row.revision_id, row.annotator, row.task, row.target), []).append(row)
    before: dict[tuple[str, str, str], Values] = {}
    out: list[Change] = []
    for (_, annotator, task, target), found in sorted(grouped.items(), key=lambda kv: kv[0][0]):
        values = tuple(sorted({r.value for r in found if r.value is not None}))
        new: Values = values if values else None
        key = (annotator, task, target)
        first = found[0]
        out.append(
            Change(
                revision_id=first.revision_id, when=first.created_at, who=first.changed_by,
                annotator=annotator, task=task, target=target, old=before.get(key), new=new,
                source=first.source, undoes=first.reverts_id,
            )
        )  # fmt: skip
        before[key] = new
    return out


def sentence_history(store: Store, user: User, sentence_id: int) -> list[Change]:
    """Every change on a sentence that ``user`` may see, oldest first:
    everyone's for a role that reads all labels, else their own labels'."""
    if user.can(Permission.READ_ALL_LABELS):
        annotator = None
    else:
        accounts.require(user, Permission.READ_OWN_LABELS)
        annotator = user.name
    with store.read() as conn:
        rows = history_sql.sentence_rows(conn, sentence_id, annotator=annotator)
    return changes_of(rows)


def values_text(values: Values) -> str:
    """A state as one line: "—" for no label, "(none applies)", or the values."""
    if values is None:
        return NO_LABEL
    shown = [v for v in values if v]
    return ", ".join(shown) if shown else NONE_APPLIES_TEXT


def history_frame(changes: Iterable[Change]) -> pd.DataFrame:
    """The changes as a table (:data:`HISTORY_COLUMNS`), newest first."""
    rows = [
        (
            c.revision_id, c.when, c.who, c.annotator, c.task, c.target, values_text(c.old),
            values_text(c.new), c.source, c.undoes,
        )
        for c in changes
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame["undoes"] = frame["undoes"].astype("Int64")
    return frame.iloc[::-1].reset_index(drop=True)
