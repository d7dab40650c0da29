"""Sentence leases: with an overlap k, a sentence offered to one annotator is
reserved for them, so annotators working at once do not push it past k.

Runs on SQLite and PostgreSQL (listed in ``tests/conftest.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from annotator import annotations as ann
from annotator import assignment, queue
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.session import AnnotateSession
from annotator.storage import Store
from annotator.storage import assignment as assignment_sql
from annotator.storage.schema import utcnow

SEQUENTIAL = queue.get_strategy("sequential")


def _offer(store: Store, who: str, *, after: int | None = None, now: datetime | None = None) -> int:
    return queue.offer(SEQUENTIAL, store, who, after=after, now=now)


def _leases(store: Store) -> list[tuple[int, str]]:
    with store.read() as conn:
        return [(sid, who) for sid, who, _ in assignment_sql.leases(conn)]


def _label(store: Store, labelset: LabelSet, sentence_id: int, who: str) -> None:
    ann.save(
        store,
        sentence_id=sentence_id,
        annotator=who,
        decisions=[Decision("bias", "", (Choice("biased"),))],
        labelset=labelset,
    )


def _session(store: Store, labelset: LabelSet, who: str) -> AnnotateSession:
    session = AnnotateSession({}, store=store, labelset=labelset, annotator=who)
    session.start()
    return session


def test_with_overlap_one_a_sentence_offered_to_one_annotator_is_not_offered_to_another(
    store: Store,
) -> None:
    assignment.set_overlap(store, 1)
    assert _offer(store, "ani") == 1
    assert _offer(store, "budi") == 2
    assert _offer(store, "ani") == 1  # a rerun of the offer refreshes ani's own lease
    assert _leases(store) == [(1, "ani"), (2, "budi")]


def test_a_lease_lasts_the_documented_time_and_is_refreshed_by_a_new_offer(
    store: Store,
) -> None:
    assignment.set_overlap(store, 1)
    t0 = utcnow() - timedelta(minutes=3)
    _offer(store, "ani", now=t0)
    _offer(store, "ani", now=t0 + timedelta(minutes=2))
    with store.read() as conn:
        ((sid, who, expires),) = assignment_sql.leases(conn)
    assert (sid, who) == (1, "ani")
    assert timedelta(minutes=10) == assignment.LEASE
    assert expires == t0 + timedelta(minutes=2) + assignment.LEASE


def test_after_a_lease_expires_another_annotator_gets_the_sentence(store: Store) -> None:
    assignment.set_overlap(store, 1)
    long_ago = utcnow() - assignment.LEASE - timedelta(minutes=1)
    assert _offer(store, "ani", now=long_ago) == 1  # ani's lease ran out a minute ago
    assert _offer(store, "budi") == 1
    assert _leases(store) == [(1, "budi")]  # the expired lease was swept


def test_saving_ends_the_lease_and_the_label_keeps_the_sentence_closed(
    store: Store, labelset: LabelSet
) -> None:
    assignment.set_overlap(store, 1)
    ani = _session(store, labelset, "ani")
    assert ani.sentence_id == 1 and ani.view() is not None
    ani.press(("bias", ""), "biased")
    ani.save()
    assert ani.sentence_id == 2  # moved on: saved, and now holding the next one
    assert _leases(store) == [(2, "ani")]
    assert _offer(store, "budi") == 3


def test_skipping_frees_the_sentence_for_someone_else(store: Store, labelset: LabelSet) -> None:
    assignment.set_overlap(store, 1)
    ani = _session(store, labelset, "ani")
    assert ani.sentence_id == 1
    assert _offer(store, "budi") == 2
    ani.next()  # skip: move on without saving
    assert ani.sentence_id == 3
    assert _leases(store) == [(2, "budi"), (3, "ani")]
    assert _offer(store, "citra") == 1


def test_a_lease_holder_who_saved_counts_once_toward_the_overlap(
    store: Store, labelset: LabelSet
) -> None:
    assignment.set_overlap(store, 2)
    assert _offer(store, "ani") == 1
    _label(store, labelset, 1, "ani")  # saved, lease not yet ended (another tab, say)
    assert _offer(store, "budi") == 1  # ani is one of the two, not two
    assert _offer(store, "citra") == 2  # ani and budi: full


def test_leases_count_with_labels_toward_k(store: Store, labelset: LabelSet) -> None:
    assignment.set_overlap(store, 2)
    _label(store, labelset, 1, "budi")
    assert _offer(store, "citra") == 1
    assert _offer(store, "ani") == 2  # budi's label and citra's lease fill sentence 1


def test_a_sentence_taken_between_choosing_and_reserving_is_not_offered(store: Store) -> None:
    assignment.set_overlap(store, 1)
    assert _offer(store, "ani") == 1
    # budi's queue read before ani's lease was written and chose 1 as well.
    assert not assignment.hold(store, "budi", 1)
    assert _leases(store) == [(1, "ani")]

    class Stale(queue.QueryStrategy):
        """Chooses from a snapshot taken before ani's lease: 1, then 2."""

        name = "stale"

        def __init__(self) -> None:
            self.choices = [1, 2]

        def next_sentence(self, store: Store, annotator: str, *, after: int | None = None) -> int:
            return self.choices.pop(0)

    assert queue.offer(Stale(), store, "budi") == 2
    assert _leases(store) == [(1, "ani"), (2, "budi")]


def test_without_an_overlap_no_lease_is_written(store: Store, labelset: LabelSet) -> None:
    assert assignment.overlap(store) is None
    ani = _session(store, labelset, "ani")
    assert _offer(store, "budi") == 1  # no cap, no reservation: both see sentence 1
    assert ani.sentence_id == 1
    ani.next()
    ani.view()
    ani.press(("bias", ""), "biased")
    ani.save()
    assert _leases(store) == []


def test_expired_leases_are_ignored_and_lifting_the_overlap_ignores_all(store: Store) -> None:
    assignment.set_overlap(store, 1)
    with store.write() as conn:
        now = utcnow()
        assignment_sql.take_lease(conn, 1, "budi", expires_at=now - timedelta(seconds=1), now=now)
        assignment_sql.take_lease(conn, 2, "citra", expires_at=now + timedelta(hours=1), now=now)
    with store.read() as conn:
        assert assignment_sql.open_ids(conn, "ani", overlap=1, limit=3) == [1, 3, 4]
        assert assignment_sql.open_ids(conn, "ani", overlap=None, limit=3) == [1, 2, 3]
        # The clock can be injected: an hour and a minute later citra's lease is over too.
        later = utcnow() + timedelta(minutes=61)
        assert assignment_sql.open_ids(conn, "ani", overlap=1, limit=3, now=later) == [1, 2, 3]
