"""Label sets: the codebook annotators label with, read from TOML files.

A label set has tasks of three kinds: ``stance`` (one value per target, the
targets carrying aliases that are found and highlighted in sentences),
``single`` (one value, e.g. bias) and ``multi`` (any number of values, e.g.
frames; "annotated, no value applies" is a label too). Every value has a
definition and an example, in Indonesian and English, and may ask for its cue
phrase (a span of the sentence).

Start with :func:`parse_toml` / :func:`load_file`, then :func:`find_mentions`.
Versions live in the database (:func:`sync_file`, :func:`current`): adding a
target or value makes a new version, and every annotation records the version
it was made under.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import tomli_w

from annotator.problems import InputError, Problem
from annotator.storage import Store
from annotator.storage import labelsets as labelsets_sql

DEFAULT_NAME = "default"
TaskKind = Literal["stance", "single", "multi"]
TASK_KINDS: tuple[TaskKind, ...] = ("stance", "single", "multi")
LANGUAGES = ("en", "id")
# Keys offered for values, in order: digits first, then letters that the
# annotate page does not use for navigation (C and R are reserved by Streamlit).
VALUE_KEYS = "1234567890QWETYIOPASDFGHJKL"
_NAME = re.compile(r"^[^\s\x00-\x1f=@:][^\x00-\x1f=@:]{0,99}$")


def localized(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else English, else Indonesian, else any."""
    for lang in (language, "en", "id"):
        if texts.get(lang):
            return texts[lang]
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class Value:
    name: str
    title: dict[str, str] = field(default_factory=dict)
    definition: dict[str, str] = field(default_factory=dict)
    example: dict[str, str] = field(default_factory=dict)
    cue: bool = False  # ask the annotator for the words that signal this value

    def label(self, language: str = "en") -> str:
        return localized(self.title, language) or self.name


@dataclass(frozen=True)
class Target:
    name: str
    aliases: tuple[str, ...] = ()
    description: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    name: str
    kind: TaskKind
    values: tuple[Value, ...]
    targets: tuple[Target, ...] = ()
    title: dict[str, str] = field(default_factory=dict)
    question: dict[str, str] = field(default_factory=dict)

    def label(self, language: str = "en") -> str:
        return localized(self.title, language) or self.name

    def value(self, name: str) -> Value | None:
        return next((v for v in self.values if v.name == name), None)

    def target(self, name: str) -> Target | None:
        return next((t for t in self.targets if t.name == name), None)

    def key_of(self, value_name: str) -> str:
        """The keyboard key of a value: digits first, then letters."""
        index = [v.name for v in self.values].index(value_name)
        return VALUE_KEYS[index] if index < len(VALUE_KEYS) else ""


@dataclass(frozen=True)
class LabelSet:
    name: str
    tasks: tuple[Task, ...]
    title: str = ""
    description: str = ""
    version: int = 0  # assigned by the database; 0 = not stored

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)

    @property
    def targets(self) -> tuple[Target, ...]:
        """Every stance target, in the order of the tasks that define them."""
        seen: dict[str, Target] = {}
        for task in self.tasks:
            for target in task.targets:
                seen.setdefault(target.name, target)
        return tuple(seen.values())

    @cached_property
    def _mention_index(self) -> _MentionIndex:
        return _compile_aliases(self.targets)

    def fingerprint(self) -> str:
        """Hash of the definition (not the version): equal label sets, equal hash."""
        return hashlib.sha256(to_json(self).encode()).hexdigest()


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    target: str


# ---------------------------------------------------------------- parsing


def _texts(raw: Any, where: str, problems: list[Problem], source: str) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"en": raw}
    if isinstance(raw, Mapping) and all(isinstance(v, str) for v in raw.values()):
        return {str(k): str(v) for k, v in raw.items()}
    problems.append(Problem(source, "expected a string or a table of strings", field=where))
    return {}


def _check_name(name: Any, where: str, problems: list[Problem], source: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or name != name.strip():
        problems.append(
            Problem(
                source,
                f"invalid name {name!r}: 1-100 characters, no control characters, "
                "no '=', '@' or ':', no surrounding spaces",
                field=where,
            )
        )
        return str(name)
    return name


def from_dict(data: Mapping[str, Any], *, source: str = "<label set>") -> LabelSet:
    """Build a label set from parsed TOML/JSON; raises :class:`InputError` listing every problem."""
    problems: list[Problem] = []
    name = _check_name(data.get("name", ""), "name", problems, source)
    tasks: list[Task] = []
    raw_tasks = data.get("tasks", [])
    if not isinstance(raw_tasks, list) or not raw_tasks:
        problems.append(Problem(source, "a label set needs at least one [[tasks]]", field="tasks"))
        raw_tasks = []
    for i, raw in enumerate(raw_tasks):
        where = f"tasks[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem(source, "expected a table", field=where))
            continue
        task_name = _check_name(raw.get("name", ""), f"{where}.name", problems, source)
        kind = raw.get("kind", "")
        if kind not in TASK_KINDS:
            problems.append(
                Problem(
                    source, f"kind must be one of {', '.join(TASK_KINDS)}", field=f"{where}.kind"
                )
            )
            kind = "single"
        values = []
        for j, rv in enumerate(raw.get("values", []) or []):
            vwhere = f"{where}.values[{j}]"
            if not isinstance(rv, Mapping):
                problems.append(Problem(source, "expected a table", field=vwhere))
                continue
            values.append(
                Value(
                    name=_check_name(rv.get("name", ""), f"{vwhere}.name", problems, source),
                    title=_texts(rv.get("title"), f"{vwhere}.title", problems, source),
                    definition=_texts(
                        rv.get("definition"), f"{vwhere}.definition", problems, source
                    ),
                    example=_texts(rv.get("example"), f"{vwhere}.example", problems, source),
                    cue=bool(rv.get("cue", False)),
                )
            )
        if not values:
            problems.append(
                Problem(source, "a task needs at least one value", field=f"{where}.values")
            )
        targets = []
        for j, rt in enumerate(raw.get("targets", []) or []):
            twhere = f"{where}.targets[{j}]"
            if not isinstance(rt, Mapping):
                problems.append(Problem(source, "expected a table", field=twhere))
                continue
            aliases = rt.get("aliases", [])
            if not isinstance(aliases, list) or not all(
                isinstance(a, str) and a.strip() for a in aliases
            ):
                problems.append(
                    Problem(source, "aliases must be non-empty strings", field=f"{twhere}.aliases")
                )
                aliases = []
            targets.append(
                Target(
                    name=_check_name(rt.get("name", ""), f"{twhere}.name", problems, source),
                    aliases=tuple(aliases),
                    description=_texts(
                        rt.get("description"), f"{twhere}.description", problems, source
                    ),
                )
            )
        if kind == "stance" and not targets:
            problems.append(
                Problem(source, "a stance task needs [[tasks.targets]]", field=f"{where}.targets")
            )
        if kind != "stance" and targets:
            problems.append(
                Problem(source, "only stance tasks have targets", field=f"{where}.targets")
            )
        for label, names in (
            ("value", [v.name for v in values]),
            ("target", [t.name for t in targets]),
        ):
            for dup in sorted({n for n in names if names.count(n) > 1}):
                problems.append(Problem(source, f"duplicate {label} {dup!r}", field=where))
        tasks.append(
            Task(
                name=task_name,
                kind=kind,
                values=tuple(values),
                targets=tuple(targets),
                title=_texts(raw.get("title"), f"{where}.title", problems, source),
                question=_texts(raw.get("question"), f"{where}.question", problems, source),
            )
        )
    names = [t.name for t in tasks]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(source, f"duplicate task {dup!r}", field="tasks"))
    if problems:
        raise InputError(problems)
    return LabelSet(
        name=name,
        tasks=tuple(tasks),
        title=str(data.get("title", "")),
        description=str(data.get("description", "")),
        version=int(data.get("version", 0) or 0),
    )


_TOML_LINE = re.compile(r"at line (\d+)")


def parse_toml(text: str, *, source: str = "<label set>") -> LabelSet:
    """Parse a label-set TOML document; raises :class:`InputError` naming file, line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        raise InputError([Problem(source, f"not valid TOML: {exc}", line=line)]) from exc
    # The version is the database's business; a file's own number is ignored.
    data.pop("version", None)
    return from_dict(data, source=source)


def load_file(path: Path) -> LabelSet:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), f"cannot read the label set: {exc}")]) from exc
    return parse_toml(text, source=str(path))


def to_dict(labelset: LabelSet) -> dict[str, Any]:
    """The definition as plain data (no version), in a stable shape."""

    def texts(d: dict[str, str]) -> dict[str, str]:
        return dict(sorted(d.items()))

    def value(v: Value) -> dict[str, Any]:
        out: dict[str, Any] = {"name": v.name}
        for key, d in (("title", v.title), ("definition", v.definition), ("example", v.example)):
            if d:
                out[key] = texts(d)
        if v.cue:
            out["cue"] = True
        return out

    def target(t: Target) -> dict[str, Any]:
        out: dict[str, Any] = {"name": t.name, "aliases": list(t.aliases)}
        if t.description:
            out["description"] = texts(t.description)
        return out

    tasks = []
    for task in labelset.tasks:
        item: dict[str, Any] = {"name": task.name, "kind": task.kind}
        if task.title:
            item["title"] = texts(task.title)
        if task.question:
            item["question"] = texts(task.question)
        item["values"] = [value(v) for v in task.values]
        if task.targets:
            item["targets"] = [target(t) for t in task.targets]
        tasks.append(item)
    out: dict[str, Any] = {"name": labelset.name}
    if labelset.title:
        out["title"] = labelset.title
    if labelset.description:
        out["description"] = labelset.description
    out["tasks"] = tasks
    return out


def to_json(labelset: LabelSet) -> str:
    return json.dumps(to_dict(labelset), ensure_ascii=False, sort_keys=True)


def to_toml(labelset: LabelSet) -> str:
    """The label set as a TOML document that :func:`parse_toml` reads back."""
    header = f"# Label set {labelset.name!r}"
    if labelset.version:
        header += f", version {labelset.version} in the database"
    return header + "\n" + tomli_w.dumps(to_dict(labelset))


# ---------------------------------------------------------------- mentions


SHORT_ALIAS = 3  # aliases this short ("X", "UE") match only as written


@dataclass(frozen=True)
class _MentionIndex:
    pattern: re.Pattern[str] | None
    exact: dict[str, str]  # short alias -> target
    folded: dict[str, str]  # longer alias, lower-cased -> target


def _compile_aliases(targets: Iterable[Target]) -> _MentionIndex:
    """One case-insensitive regex over every alias, longest first so "Elon
    Musk" wins over "Musk" at the same place; which target a match names, and
    whether a short alias matched with its own case, is looked up after."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for target in targets:
        for alias in {target.name, *target.aliases}:
            if len(alias) <= SHORT_ALIAS:
                exact.setdefault(alias, target.name)
            else:
                folded.setdefault(alias.lower(), target.name)
    aliases = sorted({*exact, *folded}, key=len, reverse=True)
    if not aliases:
        return _MentionIndex(None, exact, folded)
    body = "|".join(re.escape(a) for a in aliases)
    return _MentionIndex(re.compile(rf"(?<![\w@])(?:{body})(?!\w)", re.IGNORECASE), exact, folded)


def find_mentions(labelset: LabelSet, text: str) -> list[Mention]:
    """Where the label set's targets are named in ``text`` (by name or alias)."""
    index = labelset._mention_index
    if index.pattern is None:
        return []
    found = []
    for m in index.pattern.finditer(text):
        word = m.group()
        target = index.exact.get(word) or index.folded.get(word.lower())
        if target is not None:
            found.append(Mention(m.start(), m.end(), target))
    return found


def mentioned_targets(labelset: LabelSet, text: str) -> list[str]:
    """Target names mentioned in ``text``, in order of first mention."""
    return list(dict.fromkeys(m.target for m in find_mentions(labelset, text)))


# ---------------------------------------------------------------- changes


def extend(
    labelset: LabelSet,
    *,
    tasks: Iterable[Task] = (),
    targets: Mapping[str, Iterable[str]] | None = None,
    values: Mapping[str, Iterable[str]] | None = None,
) -> LabelSet:
    """A copy with new tasks, targets (by task) and values (by task) appended.

    Existing entries are kept as they are; names already present are ignored.
    """
    new_tasks = list(labelset.tasks)
    for task in tasks:
        if labelset.task(task.name) is None:
            new_tasks.append(task)
    for i, task in enumerate(new_tasks):
        extra_values = [
            Value(name=v)
            for v in dict.fromkeys((values or {}).get(task.name, ()))
            if task.value(v) is None and v
        ]
        extra_targets = [
            Target(name=t)
            for t in dict.fromkeys((targets or {}).get(task.name, ()))
            if task.target(t) is None and t
        ]
        if extra_values or extra_targets:
            new_tasks[i] = replace(
                task,
                values=task.values + tuple(extra_values),
                targets=task.targets + tuple(extra_targets),
            )
    return replace(labelset, tasks=tuple(new_tasks))


# ---------------------------------------------------------------- versions


@dataclass(frozen=True)
class SyncResult:
    labelset: LabelSet
    created: bool  # a new version was stored
    missing: tuple[str, ...] = ()  # entries of the previous version the file lacks


def _entries(labelset: LabelSet) -> set[str]:
    out = set()
    for task in labelset.tasks:
        out.add(task.name)
        out.update(f"{task.name}={v.name}" for v in task.values)
        out.update(f"{task.name}@{t.name}" for t in task.targets)
    return out


def _stored(definition: Mapping[str, Any], version: int) -> LabelSet:
    return replace(from_dict(definition, source=f"label set version {version}"), version=version)


def current(store: Store, name: str = DEFAULT_NAME) -> LabelSet:
    """The newest stored version of the label set ``name``."""
    with store.read() as conn:
        stored = labelsets_sql.latest_label_set(conn, name)
    if stored is None:
        raise LookupError(f"no label set named {name!r} in {store.url}; run `workbench init`")
    return _stored(stored.definition, stored.version)


def save_version(store: Store, labelset: LabelSet, *, note: str, source_hash: str = "") -> LabelSet:
    """Store ``labelset`` as the next version of its name; returns it with its number."""
    with store.write() as conn:
        version = labelsets_sql.insert_label_set(
            conn,
            name=labelset.name,
            definition=to_dict(labelset),
            source_hash=source_hash,
            note=note,
        )
    return replace(labelset, version=version)


def sync_file(store: Store, path: Path) -> SyncResult:
    """Store the file as a new version if it changed since it was last loaded.

    The database is the source of truth: a version added by an import (new
    values, targets or tasks) stays current until the file itself changes.
    """
    text = path.read_text(encoding="utf-8")
    labelset = parse_toml(text, source=str(path))
    file_hash = hashlib.sha256(text.encode()).hexdigest()
    with store.write() as conn:
        versions = labelsets_sql.label_set_history(conn, labelset.name)
        last_loaded = next((v for v in reversed(versions) if v.source_hash), None)
        if versions and (
            (last_loaded is not None and last_loaded.source_hash == file_hash)
            or to_dict(labelset) == versions[-1].definition
        ):
            latest = versions[-1]
            return SyncResult(_stored(latest.definition, latest.version), created=False)
        missing: tuple[str, ...] = ()
        if versions:
            previous = _stored(versions[-1].definition, versions[-1].version)
            missing = tuple(sorted(_entries(previous) - _entries(labelset)))
        version = labelsets_sql.insert_label_set(
            conn,
            name=labelset.name,
            definition=to_dict(labelset),
            source_hash=file_hash,
            note=f"loaded from {path.name}",
        )
    return SyncResult(replace(labelset, version=version), created=True, missing=missing)
