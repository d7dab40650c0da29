"""Which sentence an annotator sees next: small strategies registered by name.

A strategy has one method, :meth:`QueryStrategy.next_sentence`, and must
never offer a sentence its annotator already labelled, nor one that already
has as many annotators as the overlap setting allows
(:func:`annotator.assignment.overlap`; none by default). Start with
:func:`get_strategy` (``"sequential"`` is the default). New strategies
subclass :class:`QueryStrategy` and are added with :func:`register`; the
contract test in ``tests/test_queue.py`` runs over every registered one.
The annotate page asks through :func:`offer`, which also reserves the
sentence (a lease, see :mod:`annotator.assignment`) when an overlap is set.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from datetime import datetime

from annotator import assignment
from annotator.assignment import read_overlap
from annotator.storage import Store
from annotator.storage import assignment as assignment_sql
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql


class QueueExhausted(LookupError):
    """Every sentence has a label from this annotator, or enough annotators."""


class QueryStrategy(ABC):
    """Chooses the next sentence for an annotator."""

    name: str = ""
    description: str = ""

    @abstractmethod
    def next_sentence(self, store: Store, annotator: str, *, after: int | None = None) -> int:
        """An open sentence id for ``annotator`` (unlabelled by them, and
        under the overlap); ``after`` is the sentence just shown (strategies
        that walk in order continue from it). Raises :class:`QueueExhausted`
        when none is left."""


class Sequential(QueryStrategy):
    """Documents in import order, sentences in reading order; wraps around."""

    name = "sequential"
    description = "Reading order: document by document, sentence by sentence."

    def next_sentence(self, store: Store, annotator: str, *, after: int | None = None) -> int:
        start = after or 0
        with store.read() as conn:
            k = read_overlap(conn)
            found = assignment_sql.open_ids(conn, annotator, overlap=k, after=start)
            if not found and start:
                found = assignment_sql.open_ids(
                    conn, annotator, overlap=k, after=0, before=start + 1
                )
        if not found:
            raise QueueExhausted(_exhausted(annotator))
        return found[0]


class Shuffled(QueryStrategy):
    """A fixed pseudo-random order per annotator, so a reload shows the same sentence.

    Samples a window of unlabelled ids at a random point and takes the one
    whose hash (with the annotator's name) is smallest: O(window) per call.
    """

    name = "random"
    description = "Random order (fixed per annotator), to avoid order effects."
    window = 256

    def next_sentence(self, store: Store, annotator: str, *, after: int | None = None) -> int:
        with store.read() as conn:
            k = read_overlap(conn)
            top = texts_sql.max_sentence_id(conn)
            seed = f"{annotator}:{after or 0}".encode()
            start = _hash(seed) % top if top else 0
            candidates = assignment_sql.open_ids(
                conn, annotator, overlap=k, after=start, limit=self.window
            )
            if not candidates:
                candidates = assignment_sql.open_ids(
                    conn, annotator, overlap=k, after=0, limit=self.window
                )
        if not candidates:
            raise QueueExhausted(_exhausted(annotator))
        # A skipped sentence stays unlabelled: offer it again only when it is the last.
        others = [sid for sid in candidates if sid != after] or candidates
        return min(others, key=lambda sid: _hash(f"{annotator}:{sid}".encode()))


_OFFER_ATTEMPTS = 5  # another annotator took the chosen sentence first: choose again


def offer(
    strategy: QueryStrategy,
    store: Store,
    annotator: str,
    *,
    after: int | None = None,
    now: datetime | None = None,
) -> int:
    """``strategy``'s next sentence, reserved for ``annotator`` while the
    overlap is set; their lease on ``after`` (the sentence they move on
    from) ends. Raises :class:`QueueExhausted` like the strategy."""
    for _ in range(_OFFER_ATTEMPTS):
        try:
            found = strategy.next_sentence(store, annotator, after=after)
        except QueueExhausted:
            assignment.hold(store, annotator, None, release=after, now=now)
            raise
        if assignment.hold(store, annotator, found, release=after, now=now):
            return found
    raise QueueExhausted(f"every sentence offered to {annotator} was taken by others first")


def _exhausted(annotator: str) -> str:
    return f"no sentence left for {annotator}: each is labelled by them or by enough others"


def _hash(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class OutletBalanced(QueryStrategy):
    """Next from the outlet where the annotator's labelled share is lowest, so
    every outlet is covered evenly (the outlet comparison needs all of them)."""

    name = "outlet-balanced"
    description = "The outlet you have labelled least (by share) comes next."

    def next_sentence(self, store: Store, annotator: str, *, after: int | None = None) -> int:
        with store.read() as conn:
            k = read_overlap(conn)
            sizes = {o.outlet: o.sentences for o in texts_sql.outlet_counts(conn) if o.sentences}
            done = texts_sql.labelled_per_outlet(conn, annotator)
            for outlet in sorted(sizes, key=lambda o: (done.get(o, 0) / sizes[o], o)):
                found = assignment_sql.open_ids(conn, annotator, overlap=k, outlet=outlet)
                if found:
                    return found[0]
        raise QueueExhausted(_exhausted(annotator))


class Uncertainty(QueryStrategy):
    """The sentences the active model is least sure of first.

    Without an active model with predictions it falls back to reading order
    (:attr:`fallback` says so after a call), so annotation never stalls.
    """

    measure = "entropy"

    def __init__(self, labelset: str = "default") -> None:
        self.labelset = labelset
        self.fallback = False

    def next_sentence(self, store: Store, annotator: str, *, after: int | None = None) -> int:
        with store.read() as conn:
            active = models_sql.active_version(conn, self.labelset)
            found = (
                assignment_sql.most_uncertain_open(
                    conn,
                    active.id,
                    annotator,
                    measure=self.measure,
                    overlap=read_overlap(conn),
                    limit=2,
                )
                if active is not None
                else []
            )
        # A skipped sentence stays unlabelled: offer it again only when it is the last.
        others = [sid for sid in found if sid != after] or found
        self.fallback = not others
        if others:
            return others[0]
        return Sequential().next_sentence(store, annotator, after=after)


class LeastConfidence(Uncertainty):
    name = "least-confidence"
    description = "Uncertainty: lowest probability of the predicted value first."
    measure = "least_confidence"


class Margin(Uncertainty):
    name = "margin"
    description = "Uncertainty: smallest gap between the two likeliest values first."
    measure = "margin"


class Entropy(Uncertainty):
    name = "entropy"
    description = "Uncertainty: most spread-out predicted distribution first."
    measure = "entropy"


_REGISTRY: dict[str, type[QueryStrategy]] = {}


def register(strategy: type[QueryStrategy]) -> type[QueryStrategy]:
    if not strategy.name:
        raise ValueError("a strategy needs a name")
    _REGISTRY[strategy.name] = strategy
    return strategy


for _strategy in (Sequential, Shuffled, OutletBalanced, LeastConfidence, Margin, Entropy):
    register(_strategy)


def strategy_names() -> list[str]:
    return list(_REGISTRY)


def get_strategy(name: str = "sequential") -> QueryStrategy:
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise KeyError(f"unknown queue strategy {name!r}; known: {', '.join(_REGISTRY)}") from None
