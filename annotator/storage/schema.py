"""The database schema: every table the workbench stores, in one place.

These definitions are the *current* schema. A new database is created from
them and stamped with the newest migration number; an older database is
brought here by the numbered steps in :mod:`annotator.storage.migrations`.

Annotations are append-only. Every save is a *revision* (who, when, how); its
rows in ``annotations`` hold the labels it set. The current label of a
(sentence, annotator, task, target) is the set of rows with the highest
revision id for that key; ``value IS NULL`` in that set means "cleared".
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC when read back.

    SQLite has no time zones; storing naive UTC and re-attaching UTC on read
    keeps SQLite and PostgreSQL results identical.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

outlets = Table(
    "outlets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # "articles" or "labels"
    Column("sources", JSON, nullable=False),  # file names
    Column("summary", JSON, nullable=False),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    # A stable id used in exports; imported label sets refer to documents by it.
    Column("uid", String(200), nullable=False, unique=True),
    Column("outlet_id", ForeignKey("outlets.id"), nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("url", Text, nullable=False, server_default=""),
    Column("published", String(40), nullable=False, server_default=""),
    Column("language", String(10), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("source", Text, nullable=False, server_default=""),
    Column("import_id", ForeignKey("imports.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_documents_outlet", documents.c.outlet_id)

sentences = Table(
    "sentences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("start_char", Integer, nullable=False),
    Column("end_char", Integer, nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("document_id", "position", name="uq_sentences_document_position"),
)

label_sets = Table(
    "label_sets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", JSON, nullable=False),
    # Hash of the file this version was loaded from; a changed file loads again.
    Column("source_hash", String(64), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", "version", name="uq_label_sets_name_version"),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("annotator", String(200), nullable=False),
    Column("source", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Seconds the annotator spent on the sentence before this save.
    Column("seconds", Integer, nullable=True),
    # Set on an undo: the revision whose effect this one reverses.
    Column("reverts_id", ForeignKey("revisions.id"), nullable=True),
    Column("import_id", ForeignKey("imports.id"), nullable=True),
    # A save that took a model's suggestion: which model, and whether the
    # annotator accepted it as suggested or corrected it.
    Column("model_version_id", ForeignKey("model_versions.id"), nullable=True),
    Column("suggestion", String(20), nullable=True),  # "accepted" | "corrected"
)
# Undo looks up an annotator's newest save and whether an undo reverts it.
Index("ix_revisions_annotator", revisions.c.annotator, revisions.c.id)
Index("ix_revisions_reverts", revisions.c.reverts_id)

annotations = Table(
    "annotations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision_id", ForeignKey("revisions.id"), nullable=False),
    Column("sentence_id", ForeignKey("sentences.id"), nullable=False),
    # Copied from the revision so that reads need no join.
    Column("annotator", String(200), nullable=False),
    Column("task", String(100), nullable=False),
    Column("target", String(200), nullable=False, server_default=""),
    # NULL: the label was cleared; "": annotated, and no value applies.
    Column("value", String(200), nullable=True),
    Column("span_start", Integer, nullable=True),
    Column("span_end", Integer, nullable=True),
    Column("label_set", String(200), nullable=False),
    Column("label_set_version", Integer, nullable=False),
    Column("source", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index(
    "ix_annotations_key",
    annotations.c.sentence_id,
    annotations.c.annotator,
    annotations.c.task,
    annotations.c.target,
    annotations.c.revision_id,
)
Index("ix_annotations_annotator", annotations.c.annotator, annotations.c.sentence_id)
Index("ix_annotations_revision", annotations.c.revision_id)

# Which sentences each annotator has a current label on. Derived from
# `annotations` and kept in step by every write in storage/labels.py, so that
# the queue and the progress counts are index lookups even at 1M sentences.
progress = Table(
    "progress",
    metadata,
    Column("annotator", String(200), primary_key=True),
    Column("sentence_id", ForeignKey("sentences.id"), primary_key=True),
)
Index("ix_progress_sentence", progress.c.sentence_id)

# Who is working on which sentence right now (with an overlap k set): the
# queue records a lease when it offers a sentence, and other annotators'
# unexpired leases count toward k like saved labels, so people labelling at
# once are not all offered the same open sentence. A lease ends when its
# holder moves on (saves or skips) or at ``expires_at``; expired rows are
# ignored and swept when leases are written (annotator/storage/assignment.py).
sentence_leases = Table(
    "sentence_leases",
    metadata,
    Column("sentence_id", ForeignKey("sentences.id"), primary_key=True),
    Column("annotator", String(200), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_sentence_leases_expires", sentence_leases.c.expires_at)

# ---------------------------------------------------------------- models

# Project-wide settings that several app instances share (e.g. retrain every
# N new labels): small values as JSON.
settings = Table(
    "settings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", JSON, nullable=False),
)

# One row per train: the fitted models of every task in one skops file
# (stored here, so several app instances on one database share them) and the
# card (label set, training-data hash, counts, metrics, library versions).
model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label_set", String(200), nullable=False),
    Column("label_set_version", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # training | ready | failed
    Column("message", Text, nullable=False, server_default=""),
    Column("card", JSON, nullable=True),
    Column("data", LargeBinary, nullable=True),
    Column("active", Boolean, nullable=False, server_default="0"),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
)

# A model version's guess per sentence and (task, target): the value it
# predicts with its probability; for multi-choice tasks one row per value
# predicted present, or one row with value "" when none is.
predictions = Table(
    "predictions",
    metadata,
    Column("model_version_id", ForeignKey("model_versions.id"), primary_key=True),
    Column("sentence_id", ForeignKey("sentences.id"), primary_key=True),
    Column("task", String(100), primary_key=True),
    Column("target", String(200), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("probability", Float, nullable=False),
)
# The outlet comparison counts a version's confident predictions sentence by
# sentence: every column it reads is here, so SQLite never visits the table.
# It starts with (sentence_id, model_version_id), so it also serves the
# per-sentence lookups of the annotate page (migration 6 replaced
# ix_predictions_sentence with it).
Index(
    "ix_predictions_counts",
    predictions.c.sentence_id,
    predictions.c.model_version_id,
    predictions.c.task,
    predictions.c.target,
    predictions.c.value,
    predictions.c.probability,
)

# A model version's predictions counted per outlet, publication day (the
# first 10 characters of ``documents.published``) and probability step
# (``step`` k: the highest k with probability >= k / 20; see
# annotator/storage/tallies.py), so that the compare page counts a million
# sentences' predictions from a few thousand rows. ``predictions``: rows per
# value; ``prediction_sentence_tallies.sentences``: sentences per task and
# target by the step of their most probable row. Written whole once a
# version's predictions are stored; complete only while settings holds the
# version's "prediction_tallies:<id>" key (migration 8).
prediction_tallies = Table(
    "prediction_tallies",
    metadata,
    Column("model_version_id", ForeignKey("model_versions.id"), primary_key=True),
    Column("outlet_id", ForeignKey("outlets.id"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("task", String(100), primary_key=True),
    Column("target", String(200), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("step", Integer, primary_key=True, autoincrement=False),
    Column("predictions", Integer, nullable=False),
)
prediction_sentence_tallies = Table(
    "prediction_sentence_tallies",
    metadata,
    Column("model_version_id", ForeignKey("model_versions.id"), primary_key=True),
    Column("outlet_id", ForeignKey("outlets.id"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("task", String(100), primary_key=True),
    Column("target", String(200), primary_key=True),
    Column("step", Integer, primary_key=True, autoincrement=False),
    Column("sentences", Integer, nullable=False),
)

# How unsure a model version is about each sentence, across its tasks; the
# uncertainty queue orders by these (higher = less certain).
prediction_scores = Table(
    "prediction_scores",
    metadata,
    Column("model_version_id", ForeignKey("model_versions.id"), primary_key=True),
    Column("sentence_id", ForeignKey("sentences.id"), primary_key=True),
    Column("least_confidence", Float, nullable=False),
    Column("margin", Float, nullable=False),
    Column("entropy", Float, nullable=False),
)
for _measure in ("least_confidence", "margin", "entropy"):
    Index(
        f"ix_prediction_scores_{_measure}",
        prediction_scores.c.model_version_id,
        prediction_scores.c[_measure],
    )

# ---------------------------------------------------------------- stories

# A story: documents from several outlets about one event, grouped by hand or
# from a suggestion, so that their sentences can be aligned across outlets.
stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# A document may belong to several stories (an article that covers two events).
story_documents = Table(
    "story_documents",
    metadata,
    Column("story_id", ForeignKey("stories.id"), primary_key=True),
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
)
# Suggestions look up which documents are in a story already.
Index("ix_story_documents_document", story_documents.c.document_id)

# ---------------------------------------------------------------- accounts

# Team mode: the people who may log in. While this table is empty the app
# runs in single-user mode (no login; the local person acts as admin).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # annotator | curator | admin
    Column("password_hash", String(200), nullable=False),  # argon2id, with its parameters
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)

# Persistent logins (team mode): a browser keeps a random token in a cookie;
# only its SHA-256 is stored, so a copy of the database logs nobody in.
# Rows end at log out, at a password change or disabling, or when expired
# (see annotator/login_sessions.py for the timeouts).
login_sessions = Table(
    "login_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # hex SHA-256 of the token
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),  # the absolute end, whatever the use
    Column("last_seen_at", UTCDateTime, nullable=False),  # for the idle timeout
)
# Ending every session of a user (password change, disabling) finds them by user.
Index("ix_login_sessions_user", login_sessions.c.user_id)
