"""Import label sets into the store, in any registered format; all or nothing.

Start with :func:`import_file` (bytes in any format, as the page and the
command line have them) or :func:`import_frame` (a tidy table). Missing
outlets, documents and sentences are created; missing tasks, targets and
values are added to the label set as a new version, and the report says
which; if any row is wrong, every problem is listed and nothing is stored.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from annotator import labelsets
from annotator.annotations import Choice, Decision, InvalidLabel, decisions_from_labels, validate
from annotator.corpus import content_hash
from annotator.exchange import FORMATS, UnknownFormat, format_for, tidy
from annotator.labelsets import LabelSet, Task, TaskKind, Value
from annotator.problems import Problem
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import labelsets as labelsets_sql
from annotator.storage import texts as texts_sql
from annotator.storage.labels import Label

IMPORT_SOURCE = "import"


@dataclass(frozen=True)
class LabelImportReport:
    problems: tuple[Problem, ...] = ()
    stored: bool = False
    documents_created: int = 0
    sentences_created: int = 0
    labels_added: int = 0
    labels_unchanged: int = 0
    label_set_additions: tuple[str, ...] = ()  # "task", "task=value", "task@target"
    label_set_version: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True)
class _Row:
    """One row of the table as plain Python values (pandas per row is slow)."""

    line: int
    uid: str
    outlet: str
    title: str
    url: str
    published: str
    index: int | None
    text: str
    annotator: str
    task: str
    target: str
    value: str
    span_start: int | None
    span_end: int | None
    label_set: str
    label_set_version: int | None
    source: str
    created_at: str

    @property
    def sentence_key(self) -> tuple[str, str]:
        return (self.uid, self.text)

    @property
    def choice(self) -> Choice:
        return Choice(self.value, self.span_start, self.span_end)


def _optional_int(value: Any) -> int | None:
    return None if value is None or value is pd.NA else int(value)


_ROW_COLUMNS = (
    "outlet", "title", "url", "published", "sentence_index", "text", "annotator", "task",
    "target", "value", "span_start", "span_end", "label_set", "label_set_version", "source",
    "created_at",
)  # fmt: skip


def _rows(frame: pd.DataFrame, annotator: str) -> list[_Row]:
    uids: dict[tuple[str, ...], str] = {}

    def uid(document_id: str, meta: tuple[str, ...]) -> str:
        if document_id:
            return document_id
        # Rows without a document id: one document per outlet, title, URL and date.
        if meta not in uids:
            uids[meta] = "i" + hashlib.sha256("\x1f".join(meta).encode()).hexdigest()[:15]
        return uids[meta]

    columns = [frame[c].tolist() for c in ("document_id", *_ROW_COLUMNS)]
    rows = []
    # Line numbers for problems: the header is line 1 in the files people edit.
    for line, values in enumerate(zip(*columns, strict=True), start=2):
        (doc_id, outlet, title, url, published, index, text, who, task, target, value,
         start, end, label_set, version, source, created_at) = values  # fmt: skip
        rows.append(
            _Row(
                line=line,
                uid=uid(doc_id, (outlet, title, url, published)),
                outlet=outlet,
                title=title,
                url=url,
                published=published,
                index=_optional_int(index),
                text=text,
                annotator=who or annotator,
                task=task,
                target=target,
                value=value,
                span_start=_optional_int(start),
                span_end=_optional_int(end),
                label_set=label_set,
                label_set_version=_optional_int(version),
                source=source,
                created_at=created_at,
            )
        )
    return rows


def _infer_kind(rows: list[_Row]) -> TaskKind:
    """A new task's kind from its rows: stance when rows name targets, multi
    choice when one annotator gives a sentence several values or an empty one."""
    if any(r.target for r in rows):
        return "stance"
    if any(r.value == "" for r in rows):
        return "multi"
    seen: dict[tuple[tuple[str, str], str], str] = {}
    for r in rows:
        if seen.setdefault((r.sentence_key, r.annotator), r.value) != r.value:
            return "multi"
    return "single"


def _extend_labelset(labelset: LabelSet, labelled: list[_Row]) -> tuple[LabelSet, list[str]]:
    by_task: dict[str, list[_Row]] = defaultdict(list)
    for r in labelled:
        by_task[r.task].append(r)
    additions: list[str] = []
    new_tasks: list[Task] = []
    targets: dict[str, list[str]] = defaultdict(list)
    values: dict[str, list[str]] = defaultdict(list)
    for name, rows in by_task.items():
        task = labelset.task(name)
        row_values = [v for v in dict.fromkeys(r.value for r in rows) if v]
        row_targets = [t for t in dict.fromkeys(r.target for r in rows) if t]
        if task is None:
            kind = _infer_kind(rows)
            new_tasks.append(
                Task(
                    name=name,
                    kind=kind,
                    values=tuple(Value(name=v) for v in row_values),
                    targets=tuple(labelsets.Target(name=t) for t in row_targets),
                )
            )
            additions.append(f"{name} (new {kind} task)")
            additions.extend(f"{name}={v}" for v in row_values)
            additions.extend(f"{name}@{t}" for t in row_targets)
            continue
        for v in row_values:
            if task.value(v) is None:
                values[name].append(v)
                additions.append(f"{name}={v}")
        for t in row_targets:
            if task.target(t) is None and task.kind == "stance":
                targets[name].append(t)
                additions.append(f"{name}@{t}")
    if not additions:
        return labelset, []
    return labelsets.extend(labelset, tasks=new_tasks, targets=targets, values=values), additions


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class _Placement:
    """Where each row's sentence is: stored already, or in a document to create."""

    sentence_of_line: dict[int, int | tuple[str, int]] = field(default_factory=dict)
    new_docs: dict[str, _Row] = field(default_factory=dict)  # uid -> its first row
    new_sentences: dict[str, dict[int, str]] = field(
        default_factory=dict
    )  # uid -> position -> text
    problems: list[Problem] = field(default_factory=list)


def _place_sentences(conn: Any, rows: list[_Row], source: str) -> _Placement:
    placed = _Placement()
    by_uid: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_uid[r.uid].append(r)
    stored_docs = texts_sql.document_ids_by_uid(conn, sorted(by_uid))

    def problem(message: str, r: _Row, column: str = "text") -> None:
        placed.problems.append(Problem(source, message, line=r.line, field=column))

    for uid, doc_rows in by_uid.items():
        if uid in stored_docs:
            stored = {s.position: s for s in texts_sql.sentences_of(conn, stored_docs[uid])}
            by_text = {s.text: p for p, s in stored.items()}
            for r in doc_rows:
                position = r.index if r.index is not None else by_text.get(r.text)
                if position is None or position not in stored:
                    problem(f"document {uid!r} has no such sentence", r)
                elif stored[position].text != r.text:
                    problem(
                        f"sentence {position} of document {uid!r} differs from the stored text", r
                    )
                else:
                    placed.sentence_of_line[r.line] = stored[position].id
            continue
        order: dict[int, str] = {}
        positions_of_text: dict[str, int] = {}
        for r in doc_rows:
            if not r.text.strip():
                problem("empty sentence text", r)
                continue
            if r.index is not None and r.index < 0:
                problem("negative sentence_index", r, "sentence_index")
                continue
            position = r.index
            if position is None:
                position = positions_of_text.get(r.text, max(order, default=-1) + 1)
            if order.setdefault(position, r.text) != r.text:
                problem(f"sentence_index {position} of document {uid!r} has two different texts", r)
            positions_of_text.setdefault(r.text, position)
            placed.sentence_of_line[r.line] = (uid, position)
        # Positions may skip numbers in a partial export; they are kept as given.
        placed.new_sentences[uid] = dict(sorted(order.items()))
        placed.new_docs[uid] = doc_rows[0]
    return placed


def _check_labels(labelled: list[_Row], labelset: LabelSet, source: str) -> list[Problem]:
    problems: list[Problem] = []
    by_key: dict[tuple[Any, ...], list[_Row]] = defaultdict(list)
    for r in labelled:
        try:
            validate(Decision(r.task, r.target, (r.choice,)), labelset, r.text)
        except InvalidLabel as exc:
            problems.append(Problem(source, str(exc), line=r.line, field="value"))
        by_key[(r.sentence_key, r.annotator, r.task, r.target)].append(r)
    for (_, who, task_name, target), rows in by_key.items():
        distinct = {r.value for r in rows}
        task = labelset.task(task_name)
        if task is not None and task.kind != "multi" and len(distinct) > 1:
            toward = f" toward {target!r}" if target else ""
            problems.append(
                Problem(
                    source,
                    f"{who!r} gives {len(distinct)} values for {task_name!r}{toward} "
                    "on one sentence; that task takes one",
                    line=rows[1].line,
                    field="value",
                )
            )
        if "" in distinct and len(distinct) > 1:
            problems.append(
                Problem(
                    source,
                    "'none applies' (empty value) mixed with values on one sentence",
                    line=rows[0].line,
                    field="value",
                )
            )
    return problems


def import_frame(
    store: Store,
    frame: pd.DataFrame,
    *,
    source_name: str,
    annotator: str = IMPORT_SOURCE,
    labelset_name: str = labelsets.DEFAULT_NAME,
    created_by: str = "",
    dry_run: bool = False,
) -> LabelImportReport:
    """Import a tidy table (at least ``text, task, value``); all or nothing."""
    rows = _rows(tidy.normalize(frame).reset_index(drop=True), annotator)
    if not rows:
        return LabelImportReport(
            problems=(Problem(source_name, "no rows to import", severity="warning"),)
        )
    labelled = [r for r in rows if r.task]
    labelset = labelsets.current(store, labelset_name)
    extended, additions = _extend_labelset(labelset, labelled)

    with store.write() as conn:
        placed = _place_sentences(conn, rows, source_name)
        problems = [*placed.problems, *_check_labels(labelled, extended, source_name)]
        if any(p.severity == "error" for p in problems):
            return LabelImportReport(problems=tuple(problems))
        sentences_created = sum(len(s) for s in placed.new_sentences.values())
        if dry_run:
            return LabelImportReport(
                problems=tuple(problems),
                documents_created=len(placed.new_docs),
                sentences_created=sentences_created,
                label_set_additions=tuple(additions),
            )
        # Everything is valid: nothing has been written before this point.
        import_id = texts_sql.record_import(
            conn,
            kind="labels",
            sources=[source_name],
            summary={"rows": len(rows), "additions": additions},
            created_by=created_by,
        )
        if additions:
            version = labelsets_sql.insert_label_set(
                conn,
                name=extended.name,
                definition=labelsets.to_dict(extended),
                note=f"added by import of {source_name}: {', '.join(additions)}",
            )
            extended = replace(extended, version=version)
        new_ids = _create_documents(conn, placed, source_name, import_id)
        sentence_of_line = {
            line: (where if isinstance(where, int) else new_ids[where])
            for line, where in placed.sentence_of_line.items()
        }
        added, unchanged = _add_labels(conn, labelled, sentence_of_line, extended, import_id)
    return LabelImportReport(
        problems=tuple(problems),
        stored=True,
        documents_created=len(placed.new_docs),
        sentences_created=sentences_created,
        labels_added=added,
        labels_unchanged=unchanged,
        label_set_additions=tuple(additions),
        label_set_version=extended.version if additions else None,
    )


def _create_documents(
    conn: Any, placed: _Placement, source_name: str, import_id: int
) -> dict[tuple[str, int], int]:
    """Store the new documents, their text the sentences joined by newlines."""
    if not placed.new_docs:
        return {}
    outlet_ids = texts_sql.outlet_ids(
        conn, {r.outlet or "unknown outlet" for r in placed.new_docs.values()}
    )
    documents: list[dict[str, Any]] = []
    layouts: list[list[tuple[int, int, int, str]]] = []
    for uid, first in placed.new_docs.items():
        text, layout = "", []
        for position, sentence in placed.new_sentences[uid].items():
            start = len(text) + (1 if text else 0)
            text = f"{text}\n{sentence}" if text else sentence
            layout.append((position, start, start + len(sentence), sentence))
        layouts.append(layout)
        # The same text may be stored already under another id (e.g. the
        # article itself); both are kept, told apart by the id in the hash.
        digest = hashlib.sha256(f"{content_hash(text)}:{uid}".encode()).hexdigest()
        documents.append(
            {
                "uid": uid,
                "outlet_id": outlet_ids[first.outlet or "unknown outlet"],
                "title": first.title,
                "url": first.url,
                "published": first.published,
                "language": "",
                "text": text,
                "content_hash": digest,
                "source": source_name,
                "import_id": import_id,
            }
        )
    ids = texts_sql.insert_documents(conn, documents)
    texts_sql.insert_sentence_rows(
        conn,
        [
            (doc_id, p, s, e, t)
            for doc_id, layout in zip(ids, layouts, strict=True)
            for p, s, e, t in layout
        ],
    )
    uid_of = dict(zip(ids, placed.new_docs, strict=True))
    return {
        (uid_of[doc_id], position): sentence_id
        for (doc_id, position), sentence_id in texts_sql.sentence_ids_of(conn, ids).items()
    }


def _add_labels(
    conn: Any,
    labelled: list[_Row],
    sentence_of_line: dict[int, int],
    labelset: LabelSet,
    import_id: int,
) -> tuple[int, int]:
    """Add one revision per annotator; keys whose stored state is already the
    imported one are left alone, so importing a file twice adds nothing."""
    by_annotator: dict[str, dict[tuple[int, str, str], list[_Row]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r in labelled:
        by_annotator[r.annotator][(sentence_of_line[r.line], r.task, r.target)].append(r)
    added = unchanged = 0
    for who, keys in by_annotator.items():
        wanted_ids = {sentence_id for sentence_id, _, _ in keys}
        existing: dict[int, list[Label]] = defaultdict(list)
        for label in labels_sql.current_labels(conn, annotator=who):
            if label.sentence_id in wanted_ids:
                existing[label.sentence_id].append(label)
        now = {sid: decisions_from_labels(existing[sid]) for sid in wanted_ids}
        records: list[dict[str, Any]] = []
        for (sentence_id, task, target), rows in keys.items():
            wanted = Decision(task, target, tuple(r.choice for r in rows)).normalized()
            if now[sentence_id].get(wanted.key) == wanted:
                unchanged += len(rows)
                continue
            records.extend(
                {
                    "sentence_id": sentence_id,
                    "task": r.task,
                    "target": r.target,
                    "value": r.value,
                    "span_start": r.span_start,
                    "span_end": r.span_end,
                    "label_set": r.label_set or labelset.name,
                    "label_set_version": r.label_set_version or labelset.version,
                    "source": r.source or IMPORT_SOURCE,
                    "created_at": _parse_time(r.created_at),
                }
                for r in rows
            )
        if records:
            labels_sql.add_revision(
                conn, annotator=who, source=IMPORT_SOURCE, rows=records, import_id=import_id
            )
            added += len(records)
    return added, unchanged


def import_file(
    store: Store,
    data: bytes,
    name: str,
    *,
    format_name: str | None = None,
    annotator: str = IMPORT_SOURCE,
    created_by: str = "",
    dry_run: bool = False,
) -> LabelImportReport:
    """Read a label-set file in any registered format (named, or found from
    the file) and import it; reading problems come back in the report."""
    try:
        fmt = FORMATS[format_name] if format_name else format_for(name, head=data[: 1 << 20])
    except (UnknownFormat, KeyError) as exc:
        return LabelImportReport(problems=(Problem(name, str(exc).strip("'\"")),))
    frame, problems = fmt.from_bytes(data, name)
    if any(p.severity == "error" for p in problems):
        return LabelImportReport(problems=tuple(problems))
    report = import_frame(
        store, frame, source_name=name, annotator=annotator, created_by=created_by, dry_run=dry_run
    )
    return replace(report, problems=(*problems, *report.problems))
