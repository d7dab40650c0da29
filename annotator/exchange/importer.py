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
from typing import Any, cast

import pandas as pd

from annotator import labelsets
from annotator.annotations import Choice, Decision, InvalidLabel, decisions_from_labels, validate
from annotator.corpus import content_hash
from annotator.exchange import FORMATS, UnknownFormat, format_for, tidy
from annotator.labelsets import LabelSet, Task, TaskKind, Value
from annotator.problems import Problem
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql

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


def _infer_kind(rows: pd.DataFrame) -> TaskKind:
    """A new task's kind from its rows (see the issue's rule)."""
    if (rows["target"] != "").any():
        return "stance"
    if (rows["value"] == "").any():
        return "multi"
    per_key = rows.groupby(["sentence_key", "annotator"])["value"].nunique()
    return "multi" if (per_key > 1).any() else "single"


def _extend_labelset(labelset: LabelSet, labelled: pd.DataFrame) -> tuple[LabelSet, list[str]]:
    additions: list[str] = []
    new_tasks: list[Task] = []
    targets: dict[str, list[str]] = defaultdict(list)
    values: dict[str, list[str]] = defaultdict(list)
    for task_name, rows in labelled.groupby("task", sort=False):
        name = str(task_name)
        task = labelset.task(name)
        row_values = [v for v in dict.fromkeys(rows["value"]) if v]
        row_targets = [t for t in dict.fromkeys(rows["target"]) if t]
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


def _doc_uid(row: pd.Series) -> str:
    if row["document_id"]:
        return str(row["document_id"])
    key = "\x1f".join(str(row[c]) for c in ("outlet", "title", "url", "published"))
    return "i" + hashlib.sha256(key.encode()).hexdigest()[:15]


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
    frame = tidy.normalize(frame).reset_index(drop=True)
    # Line numbers for problems: header is line 1 in the files people edit.
    frame["line"] = frame.index + 2
    problems: list[Problem] = []
    if frame.empty:
        return LabelImportReport(
            problems=(Problem(source_name, "no rows to import", severity="warning"),)
        )
    frame["uid"] = frame.apply(_doc_uid, axis=1) if len(frame) else []
    frame.loc[frame["annotator"] == "", "annotator"] = annotator
    labelled = frame[frame["task"] != ""].copy()
    labelled["sentence_key"] = labelled["uid"] + "\x1f" + labelled["text"]

    labelset = labelsets.current(store, labelset_name)
    extended, additions = _extend_labelset(labelset, labelled)

    with store.write() as conn:
        # --- documents and sentences
        existing_docs = texts_sql.document_ids_by_uid(conn, sorted(frame["uid"].unique()))
        sentence_of_row: dict[int, int | tuple[str, int]] = {}
        new_docs: dict[str, dict[str, Any]] = {}
        new_sentences: dict[str, list[str]] = {}
        for uid, rows in frame.groupby("uid", sort=False):
            uid = str(uid)
            first = rows.iloc[0]
            if uid in existing_docs:
                stored_rows = texts_sql.sentences_of(conn, existing_docs[uid])
                stored = {r.position: r.id for r in stored_rows}
                texts = {r.position: r.text for r in stored_rows}
                by_text = {t: p for p, t in texts.items()}
                for line, index, text in zip(
                    rows["line"], rows["sentence_index"], rows["text"], strict=True
                ):
                    position = int(index) if not pd.isna(index) else by_text.get(text)
                    if position is None or position not in stored:
                        problems.append(
                            Problem(
                                source_name,
                                f"document {uid!r} has no such sentence",
                                line=int(line),
                                field="text",
                            )
                        )
                    elif texts[position] != text:
                        problems.append(
                            Problem(
                                source_name,
                                f"sentence {position} of document {uid!r} differs from the stored text",
                                line=int(line),
                                field="text",
                            )
                        )
                    else:
                        sentence_of_row[int(line)] = stored[position]
                continue
            order: dict[int, str] = {}
            has_index = rows["sentence_index"].notna()
            for line, index, text, indexed in zip(
                rows["line"], rows["sentence_index"], rows["text"], has_index, strict=True
            ):
                if not text.strip():
                    problems.append(
                        Problem(source_name, "empty sentence text", line=int(line), field="text")
                    )
                    continue
                if indexed:
                    position = int(index)
                    if position < 0:
                        problems.append(
                            Problem(
                                source_name,
                                "negative sentence_index",
                                line=int(line),
                                field="sentence_index",
                            )
                        )
                        continue
                else:
                    known = [p for p, t in order.items() if t == text]
                    position = known[0] if known else (max(order, default=-1) + 1)
                if order.setdefault(position, text) != text:
                    problems.append(
                        Problem(
                            source_name,
                            f"sentence_index {position} of document {uid!r} has two different texts",
                            line=int(line),
                            field="text",
                        )
                    )
                sentence_of_row[int(line)] = (uid, position)
            positions = sorted(order)
            new_sentences[uid] = [order[p] for p in positions]
            # Positions may skip numbers in a partial export; keep them as given.
            new_docs[uid] = {
                "outlet": first["outlet"] or "unknown outlet",
                "title": first["title"],
                "url": first["url"],
                "published": first["published"],
                "positions": positions,
            }

        # --- label checks
        for _, row in labelled.iterrows():
            line = int(row["line"])
            try:
                choice = Choice(
                    row["value"],
                    None if pd.isna(row["span_start"]) else int(row["span_start"]),
                    None if pd.isna(row["span_end"]) else int(row["span_end"]),
                )
                validate(Decision(row["task"], row["target"], (choice,)), extended, row["text"])
            except InvalidLabel as exc:
                problems.append(Problem(source_name, str(exc), line=line, field="value"))
        key_cols = ["sentence_key", "annotator", "task", "target"]
        for (_, ann, task_name, target), rows in labelled.groupby(key_cols, sort=False):
            task = extended.task(str(task_name))
            distinct = set(rows["value"])
            if task is not None and task.kind != "multi" and len(distinct) > 1:
                problems.append(
                    Problem(
                        source_name,
                        f"{ann!r} gives {len(distinct)} values for {task_name!r}"
                        + (f" toward {target!r}" if target else "")
                        + " on one sentence; that task takes one",
                        line=int(rows["line"].iloc[1]),
                        field="value",
                    )
                )
            if "" in distinct and len(distinct) > 1:
                problems.append(
                    Problem(
                        source_name,
                        "'none applies' (empty value) mixed with values on one sentence",
                        line=int(rows["line"].iloc[0]),
                        field="value",
                    )
                )
        if any(p.severity == "error" for p in problems):
            return LabelImportReport(problems=tuple(problems))

        # --- write (nothing has been written yet; everything below is valid)
        if dry_run:
            return LabelImportReport(
                problems=tuple(problems),
                documents_created=len(new_docs),
                sentences_created=sum(len(s) for s in new_sentences.values()),
                label_set_additions=tuple(additions),
            )
        import_id = texts_sql.record_import(
            conn,
            kind="labels",
            sources=[source_name],
            summary={"rows": len(frame), "additions": additions},
            created_by=created_by,
        )
        if additions:
            version = labels_sql.insert_label_set(
                conn,
                name=extended.name,
                definition=labelsets.to_dict(extended),
                note=f"added by import of {source_name}: {', '.join(additions)}",
            )
            extended = labelsets.LabelSet(
                name=extended.name,
                tasks=extended.tasks,
                title=extended.title,
                description=extended.description,
                version=version,
            )
        new_ids = _create_documents(conn, new_docs, new_sentences, source_name, import_id)
        sentence_ids = {
            line: (target if isinstance(target, int) else new_ids[target])
            for line, target in sentence_of_row.items()
        }
        added, unchanged = _add_labels(conn, labelled, sentence_ids, extended, import_id)
    return LabelImportReport(
        problems=tuple(problems),
        stored=True,
        documents_created=len(new_docs),
        sentences_created=sum(len(s) for s in new_sentences.values()),
        labels_added=added,
        labels_unchanged=unchanged,
        label_set_additions=tuple(additions),
        label_set_version=extended.version if additions else None,
    )


def _create_documents(
    conn: Any,
    docs: dict[str, dict[str, Any]],
    sentences: dict[str, list[str]],
    source_name: str,
    import_id: int,
) -> dict[tuple[str, int], int]:
    if not docs:
        return {}
    outlet_ids = texts_sql.outlet_ids(conn, {d["outlet"] for d in docs.values()})
    rows = []
    layouts: dict[str, list[tuple[int, int, int, str]]] = {}
    for uid, doc in docs.items():
        text, layout = "", []
        for position, sentence in zip(doc["positions"], sentences[uid], strict=True):
            start = len(text) + (1 if text else 0)
            text = f"{text}\n{sentence}" if text else sentence
            layout.append((position, start, start + len(sentence), sentence))
        layouts[uid] = layout
        digest = content_hash(text)
        # The same text may already be stored under another id (e.g. the
        # article itself); keep both, told apart by the hash of the uid too.
        rows.append(
            {
                "uid": uid,
                "outlet_id": outlet_ids[doc["outlet"]],
                "title": doc["title"],
                "url": doc["url"],
                "published": doc["published"],
                "language": "",
                "text": text,
                "content_hash": hashlib.sha256(f"{digest}:{uid}".encode()).hexdigest(),
                "source": source_name,
                "import_id": import_id,
            }
        )
    ids = texts_sql.insert_documents(conn, rows)
    sentence_rows = [
        {"document_id": doc_id, "position": p, "start_char": s, "end_char": e, "text": t}
        for doc_id, uid in zip(ids, docs, strict=True)
        for p, s, e, t in layouts[uid]
    ]
    texts_sql.insert_sentences(conn, sentence_rows)
    out: dict[tuple[str, int], int] = {}
    for doc_id, uid in zip(ids, docs, strict=True):
        for position, sentence_id in texts_sql.sentence_ids(conn, doc_id).items():
            out[(uid, position)] = sentence_id
    return out


def _add_labels(
    conn: Any,
    labelled: pd.DataFrame,
    sentence_ids: dict[int, int],
    labelset: LabelSet,
    import_id: int,
) -> tuple[int, int]:
    """Add one revision per annotator; keys whose stored state is already the
    imported one are left alone, so importing a file twice adds nothing."""
    labelled = labelled.assign(sentence_id=[sentence_ids[int(line)] for line in labelled["line"]])
    added = unchanged = 0
    for ann, rows in labelled.groupby("annotator", sort=False):
        existing = labels_sql.current_labels(conn, annotator=str(ann)) if len(rows) else []
        now_by_sentence: dict[int, dict[tuple[str, str], Decision]] = defaultdict(dict)
        for sid in set(rows["sentence_id"]):
            now_by_sentence[int(sid)] = decisions_from_labels(
                x for x in existing if x.sentence_id == sid
            )
        records: list[dict[str, Any]] = []
        for (sid, task_name, target), key_rows in rows.groupby(
            ["sentence_id", "task", "target"], sort=False
        ):
            choices = tuple(
                Choice(
                    v,
                    None if pd.isna(s) else int(s),
                    None if pd.isna(e) else int(e),
                )
                for v, s, e in zip(
                    key_rows["value"], key_rows["span_start"], key_rows["span_end"], strict=True
                )
            )
            sentence_id = int(cast(int, sid))
            wanted = Decision(str(task_name), str(target), choices).normalized()
            if now_by_sentence[sentence_id].get(wanted.key) == wanted:
                unchanged += len(key_rows)
                continue
            for _, row in key_rows.iterrows():
                records.append(
                    {
                        "sentence_id": sentence_id,
                        "task": row["task"],
                        "target": row["target"],
                        "value": row["value"],
                        "span_start": None
                        if pd.isna(row["span_start"])
                        else int(row["span_start"]),
                        "span_end": None if pd.isna(row["span_end"]) else int(row["span_end"]),
                        "label_set": row["label_set"] or labelset.name,
                        "label_set_version": (
                            labelset.version
                            if pd.isna(row["label_set_version"])
                            else int(row["label_set_version"])
                        ),
                        "source": row["source"] or IMPORT_SOURCE,
                        "created_at": _parse_time(row["created_at"]),
                    }
                )
        if records:
            labels_sql.add_revision(
                conn, annotator=str(ann), source=IMPORT_SOURCE, rows=records, import_id=import_id
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
