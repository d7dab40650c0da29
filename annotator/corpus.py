"""Importing articles: read, remove boilerplate, split into sentences, store.

Start with :func:`import_paths` (files, as the command line does) or
:func:`import_articles` (articles already read, as the import page does).
Both collect every problem first and store all or nothing; the report says
what was stored, what was skipped as already present, and what boilerplate
was removed, so the page can preview it before committing (``dry_run``).
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Connection

from annotator.boilerplate import RemovedLine, clean
from annotator.language import guess_language
from annotator.problems import Problem, errors
from annotator.readers import RawArticle, read_articles
from annotator.sentences import Span, split_sentences
from annotator.storage import Store
from annotator.storage import texts as texts_sql

UNKNOWN_OUTLET = "unknown outlet"


@dataclass(frozen=True)
class PreparedDocument:
    """An article cleaned and split, ready to store."""

    article: RawArticle
    text: str
    title: str
    outlet: str
    language: str
    sentences: tuple[Span, ...]
    removed: tuple[RemovedLine, ...]
    content_hash: str

    @property
    def uid(self) -> str:
        return self.article.document_id or self.content_hash[:16]

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.sentences]


@dataclass(frozen=True)
class Duplicate:
    document: PreparedDocument
    existing_uid: str  # the stored document (or the earlier one in this batch)


@dataclass(frozen=True)
class ImportReport:
    documents: tuple[PreparedDocument, ...] = ()  # stored, or to be stored in a dry run
    duplicates: tuple[Duplicate, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    stored: bool = False
    import_id: int | None = None

    @property
    def ok(self) -> bool:
        return not errors(self.problems)

    @property
    def sentence_count(self) -> int:
        return sum(len(d.sentences) for d in self.documents)


def content_hash(text: str) -> str:
    # Whitespace differences do not make a different article.
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def prepare(article: RawArticle) -> tuple[PreparedDocument | None, list[Problem]]:
    """Clean and split one article; a document with no sentence is a problem."""
    language = article.language or guess_language(article.text)
    cleaned = clean(article.text, language=language)
    spans = tuple(split_sentences(cleaned.text, language=language))
    if not spans:
        return None, [
            Problem(
                article.source,
                "no sentence left after removing boilerplate "
                f"({len(cleaned.removed)} line(s) removed)",
                line=article.line,
                field="text",
            )
        ]
    problems = []
    outlet = (article.outlet or "").strip()
    if not outlet:
        problems.append(
            Problem(
                article.source,
                f"no outlet given; stored as {UNKNOWN_OUTLET!r} (pass --outlet or an outlet column)",
                line=article.line,
                field="outlet",
                severity="warning",
            )
        )
        outlet = UNKNOWN_OUTLET
    document = PreparedDocument(
        article=article,
        text=cleaned.text,
        title=(article.title or cleaned.title or "").strip(),
        outlet=outlet,
        language=language,
        sentences=spans,
        removed=cleaned.removed,
        content_hash=content_hash(cleaned.text),
    )
    return document, problems


def import_articles(
    store: Store,
    articles: Iterable[RawArticle],
    *,
    dry_run: bool = False,
    created_by: str = "",
    read_problems: Sequence[Problem] = (),
) -> ImportReport:
    """Prepare every article, then store them all in one transaction, or none
    if any problem is an error. Articles already stored are skipped."""
    problems = list(read_problems)
    prepared: list[PreparedDocument] = []
    # Preparing makes millions of small acyclic objects that all stay alive:
    # the cyclic collector's full passes over them are pure cost (~15%).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for article in articles:
            document, found = prepare(article)
            problems.extend(found)
            if document is not None:
                prepared.append(document)
    finally:
        if collecting:
            gc.enable()
    # One id for two different texts is an error; the same text twice is a duplicate.
    uses = Counter(uid for uid, _ in {(d.uid, d.content_hash) for d in prepared})
    for uid in sorted(u for u, n in uses.items() if n > 1):
        problems.append(
            Problem("<import>", f"document id {uid!r} is used by more than one article")
        )
    if errors(problems) or not prepared:
        if not prepared and not errors(problems):
            problems.append(Problem("<import>", "nothing to import"))
        return ImportReport(problems=tuple(problems))

    with store.write() as conn:
        stored = texts_sql.existing_hashes(conn, [d.content_hash for d in prepared])
        stored_uids = texts_sql.document_ids_by_uid(conn, [d.uid for d in prepared])
        new: list[PreparedDocument] = []
        duplicates: list[Duplicate] = []
        seen: dict[str, str] = {}
        for document in prepared:
            earlier = stored.get(document.content_hash) or seen.get(document.content_hash)
            if earlier is None and document.uid in stored_uids:
                earlier = document.uid
            if earlier is not None:
                duplicates.append(Duplicate(document, earlier))
                problems.append(
                    Problem(
                        document.article.source,
                        f"already imported (document {earlier}); skipped",
                        line=document.article.line,
                        severity="warning",
                    )
                )
                continue
            seen[document.content_hash] = document.uid
            new.append(document)
        report = ImportReport(
            documents=tuple(new), duplicates=tuple(duplicates), problems=tuple(problems)
        )
        if dry_run or not new:
            # Leaving the block commits an empty transaction: nothing written.
            return report
        import_id = texts_sql.record_import(
            conn,
            kind="articles",
            sources=sorted({d.article.source for d in new}),
            summary={"documents": len(new), "sentences": sum(len(d.sentences) for d in new)},
            created_by=created_by,
        )
        _store_documents(conn, new, import_id)
    return replace(report, stored=True, import_id=import_id)


def _store_documents(conn: Connection, documents: list[PreparedDocument], import_id: int) -> None:
    outlet_ids = texts_sql.outlet_ids(conn, {d.outlet for d in documents})
    # Bounded batches keep memory flat on million-sentence imports.
    batch = 2000
    for i in range(0, len(documents), batch):
        chunk = documents[i : i + batch]
        ids = texts_sql.insert_documents(
            conn,
            [
                {
                    "uid": d.uid,
                    "outlet_id": outlet_ids[d.outlet],
                    "title": d.title,
                    "url": d.article.url or "",
                    "published": d.article.published or "",
                    "language": d.language,
                    "text": d.text,
                    "content_hash": d.content_hash,
                    "source": d.article.source,
                    "import_id": import_id,
                }
                for d in chunk
            ],
        )
        texts_sql.insert_sentence_rows(
            conn,
            [
                (doc_id, position, span.start, span.end, d.text[span.start : span.end])
                for doc_id, d in zip(ids, chunk, strict=True)
                for position, span in enumerate(d.sentences)
            ],
        )


def read_sources(
    sources: Iterable[tuple[bytes, str]],
    *,
    encoding: str | None = None,
    outlet: str | None = None,
    title: str | None = None,
    published: str | None = None,
    language: str | None = None,
    url: str | None = None,
) -> tuple[list[RawArticle], list[Problem]]:
    """Read every (data, file name) pair; the options are defaults for each article."""
    articles: list[RawArticle] = []
    problems: list[Problem] = []
    for data, name in sources:
        found, found_problems = read_articles(
            data,
            name,
            encoding=encoding,
            outlet=outlet,
            title=title,
            published=published,
            language=language,
            url=url,
        )
        articles.extend(found)
        problems.extend(found_problems)
    return articles, problems


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    created_by: str = "",
    **options: str | None,
) -> ImportReport:
    """Read and import files; a problem in any file stores nothing from all of them."""
    problems: list[Problem] = []
    sources: list[tuple[bytes, str]] = []
    for path in paths:
        try:
            sources.append((path.read_bytes(), str(path)))
        except OSError as exc:
            problems.append(Problem(str(path), f"cannot read the file: {exc.strerror or exc}"))
    articles, read_problems = read_sources(sources, **options)
    problems.extend(read_problems)
    if errors(problems):
        return ImportReport(problems=tuple(problems))
    return import_articles(
        store, articles, dry_run=dry_run, created_by=created_by, read_problems=problems
    )
