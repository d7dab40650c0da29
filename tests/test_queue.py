"""Queue strategies: one contract over every registered strategy, plus each one's order."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotator import annotations as ann
from annotator import assignment, queue
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import assignment as assignment_sql
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from annotator.storage.schema import utcnow


def _label(store: Store, labelset: LabelSet, sentence_id: int, who: str = "ani") -> None:
    ann.save(
        store,
        sentence_id=sentence_id,
        annotator=who,
        decisions=[Decision("bias", "", (Choice("biased"),))],
        labelset=labelset,
    )


@pytest.mark.parametrize("name", queue.strategy_names())
def test_every_strategy_offers_only_unlabelled_sentences_until_exhausted(
    store: Store, labelset: LabelSet, name: str
) -> None:
    strategy = queue.get_strategy(name)
    with store.read() as conn:
        total = texts_sql.count_sentences(conn)
    seen: list[int] = []
    after = None
    for _ in range(total):
        sid = strategy.next_sentence(store, "ani", after=after)
        assert sid not in seen
        seen.append(sid)
        _label(store, labelset, sid)
        after = sid
    assert len(seen) == total
    with pytest.raises(queue.QueueExhausted):
        strategy.next_sentence(store, "ani", after=after)


@pytest.mark.parametrize("name", queue.strategy_names())
def test_every_strategy_ignores_other_annotators_labels(
    store: Store, labelset: LabelSet, name: str
) -> None:
    for sid in range(1, 30):
        _label(store, labelset, sid, who="budi")
    sid = queue.get_strategy(name).next_sentence(store, "ani")
    assert sid >= 1


_examples = iter(range(10**6))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    labelled=st.sets(st.integers(min_value=1, max_value=58), max_size=57), after=st.integers(0, 58)
)
def test_the_queue_never_returns_a_labelled_sentence(
    store: Store, labelset: LabelSet, labelled: set[int], after: int
) -> None:
    who = f"annotator-{next(_examples)}"  # a fresh annotator per example: no state carries over
    for sid in labelled:
        _label(store, labelset, sid, who=who)
    for name in queue.strategy_names():
        assert queue.get_strategy(name).next_sentence(store, who, after=after) not in labelled


def test_sequential_goes_in_reading_order_and_wraps_around(
    store: Store, labelset: LabelSet
) -> None:
    seq = queue.get_strategy("sequential")
    assert seq.next_sentence(store, "ani") == 1
    assert seq.next_sentence(store, "ani", after=10) == 11
    for sid in range(11, 59):
        _label(store, labelset, sid)
    assert seq.next_sentence(store, "ani", after=20) == 1


def test_random_order_is_stable_for_a_reload_and_differs_between_annotators(store: Store) -> None:
    shuffled = queue.get_strategy("random")
    assert shuffled.next_sentence(store, "ani") == shuffled.next_sentence(store, "ani")
    firsts = {
        shuffled.next_sentence(store, name) for name in ("ani", "budi", "citra", "dewi", "eko")
    }
    assert len(firsts) > 1


def test_an_unknown_strategy_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="sequential"):
        queue.get_strategy("psychic")


def test_random_order_moves_on_after_a_skip(store: Store) -> None:
    shuffled = queue.get_strategy("random")
    for name in ("ani", "budi", "citra", "dewi"):
        current = shuffled.next_sentence(store, name)
        for _ in range(5):
            following = shuffled.next_sentence(store, name, after=current)
            assert following != current
            current = following


def test_outlet_balanced_goes_to_the_outlet_labelled_least(
    store: Store, labelset: LabelSet
) -> None:
    balanced = queue.get_strategy("outlet-balanced")
    first = balanced.next_sentence(store, "ani")
    assert first == 1  # both outlets at 0%: by name, BBC News Indonesia first
    _label(store, labelset, first)
    assert balanced.next_sentence(store, "ani") == 40  # kumparan's first sentence
    _label(store, labelset, 40)
    _label(store, labelset, 41)
    assert balanced.next_sentence(store, "ani") == 2  # BBC at 1/39 is now below kumparan's 2/19


def test_uncertainty_queues_follow_the_active_models_scores(
    store: Store, labelset: LabelSet
) -> None:
    from annotator.storage import models as models_sql

    with store.write() as conn:
        vid = models_sql.start_version(
            conn, label_set="default", label_set_version=1, created_by="t"
        )
        models_sql.finish_version(conn, vid, data=b"x", card={})
        models_sql.set_active(conn, vid)
        # entropy rises with the id; margin falls with it
        models_sql.replace_predictions(
            conn, vid, [], [(sid, 0.5, 1 - sid / 100, sid / 100) for sid in range(1, 59)]
        )
    assert queue.get_strategy("entropy").next_sentence(store, "ani") == 58
    assert queue.get_strategy("margin").next_sentence(store, "ani") == 1
    _label(store, labelset, 58)
    entropy = queue.get_strategy("entropy")
    assert entropy.next_sentence(store, "ani") == 57
    assert entropy.next_sentence(store, "ani", after=57) == 56  # a skip moves on
    assert not entropy.fallback  # type: ignore[attr-defined]


def test_uncertainty_without_a_model_reads_in_order_and_says_so(store: Store) -> None:
    entropy = queue.get_strategy("entropy")
    assert entropy.next_sentence(store, "ani") == 1
    assert entropy.fallback  # type: ignore[attr-defined]


# ---------------------------------------------------------------- overlap (assignment)


def _label_by(store: Store, labelset: LabelSet, who: str, ids: range | set[int]) -> None:
    for sid in ids:
        _label(store, labelset, sid, who=who)


@pytest.mark.parametrize("name", queue.strategy_names())
def test_every_strategy_skips_sentences_already_labelled_by_k_others(
    store: Store, labelset: LabelSet, name: str
) -> None:
    assignment.set_overlap(store, 2)
    _label_by(store, labelset, "budi", range(1, 41))
    _label_by(store, labelset, "citra", range(1, 41))
    _label_by(store, labelset, "dewi", range(41, 50))  # one other: still open to ani
    strategy = queue.get_strategy(name)
    seen: list[int] = []
    after = None
    for _ in range(18):
        sid = strategy.next_sentence(store, "ani", after=after)
        seen.append(sid)
        _label(store, labelset, sid)
        after = sid
    assert sorted(seen) == list(range(41, 59))
    with pytest.raises(queue.QueueExhausted):
        strategy.next_sentence(store, "ani", after=after)


@pytest.mark.parametrize("name", queue.strategy_names())
def test_with_overlap_one_each_sentence_goes_to_one_annotator(
    store: Store, labelset: LabelSet, name: str
) -> None:
    assignment.set_overlap(store, 1)
    strategy = queue.get_strategy(name)
    takers: dict[int, str] = {}
    for turn in range(58):
        who = ("ani", "budi", "citra")[turn % 3]
        sid = strategy.next_sentence(store, who)
        assert sid not in takers, f"{sid} went to {takers.get(sid)} and {who}"
        takers[sid] = who
        _label(store, labelset, sid, who=who)
    for who in ("ani", "budi", "citra", "dewi"):
        with pytest.raises(queue.QueueExhausted):
            strategy.next_sentence(store, who)


@pytest.mark.parametrize("name", queue.strategy_names())
def test_every_strategy_through_offer_gives_annotators_at_work_different_sentences(
    store: Store, name: str
) -> None:
    assignment.set_overlap(store, 1)
    strategy = queue.get_strategy(name)
    offered = [queue.offer(strategy, store, who) for who in ("ani", "budi", "citra", "dewi")]
    assert len(set(offered)) == 4, offered  # nobody has saved yet: the leases keep them apart
    with store.read() as conn:
        held = {(sid, who) for sid, who, _ in assignment_sql.leases(conn)}
    assert held == set(zip(offered, ("ani", "budi", "citra", "dewi"), strict=True))


def test_gold_labels_do_not_count_toward_the_overlap(store: Store, labelset: LabelSet) -> None:
    assignment.set_overlap(store, 1)
    _label(store, labelset, 1, who="gold")
    assert queue.get_strategy("sequential").next_sentence(store, "ani") == 1


def test_no_overlap_setting_means_no_cap(store: Store, labelset: LabelSet) -> None:
    for who in ("budi", "citra", "dewi"):
        _label(store, labelset, 1, who=who)
    assert assignment.overlap(store) is None
    assert queue.get_strategy("sequential").next_sentence(store, "ani") == 1
    assignment.set_overlap(store, 3)
    assert queue.get_strategy("sequential").next_sentence(store, "ani") == 2
    assignment.set_overlap(store, 0)  # 0 lifts the cap again
    assert queue.get_strategy("sequential").next_sentence(store, "ani") == 1


def test_uncertainty_queues_respect_the_overlap(store: Store, labelset: LabelSet) -> None:
    from annotator.storage import models as models_sql

    with store.write() as conn:
        vid = models_sql.start_version(
            conn, label_set="default", label_set_version=1, created_by="t"
        )
        models_sql.finish_version(conn, vid, data=b"x", card={})
        models_sql.set_active(conn, vid)
        models_sql.replace_predictions(
            conn, vid, [], [(sid, 0.5, 1 - sid / 100, sid / 100) for sid in range(1, 59)]
        )
    assignment.set_overlap(store, 1)
    _label(store, labelset, 58, who="budi")
    entropy = queue.get_strategy("entropy")
    assert entropy.next_sentence(store, "ani") == 57
    assert not entropy.fallback  # type: ignore[attr-defined]


LEASERS = ("ani", "budi", "dewi", "eko")
_EPOCH = timedelta(days=1)  # sweep nothing while the example's leases are written


def _clear(store: Store, labelset: LabelSet, who: str, ids: set[int]) -> None:
    for sid in ids:
        decision = Decision("bias", "", ())
        ann.save(store, sentence_id=sid, annotator=who, decisions=[decision], labelset=labelset)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    budi=st.sets(st.integers(min_value=1, max_value=58), max_size=58),
    citra=st.sets(st.integers(min_value=1, max_value=58), max_size=58),
    leased=st.sets(st.tuples(st.integers(1, 58), st.sampled_from(LEASERS)), max_size=116),
    k=st.integers(min_value=1, max_value=3),
    after=st.integers(0, 58),
)
@example(  # dewi holds every other sentence, eko's expired leases hold the rest
    budi=set(),
    citra=set(),
    leased={(sid, "dewi") for sid in range(1, 59, 2)} | {(sid, "eko") for sid in range(2, 59, 2)},
    k=1,
    after=0,
)
def test_the_queue_never_offers_a_sentence_at_the_overlap(
    store: Store,
    labelset: LabelSet,
    budi: set[int],
    citra: set[int],
    leased: set[tuple[int, str]],
    k: int,
    after: int,
) -> None:
    others = {"budi": budi, "citra": citra}
    for who, ids in others.items():
        _label_by(store, labelset, who, ids)
    assignment.set_overlap(store, k)
    now = utcnow()
    with store.write() as conn:  # leases: budi's and dewi's count, eko's expired, ani's own
        for sid, who in leased:
            expires = now - timedelta(minutes=1) if who == "eko" else now + timedelta(hours=1)
            assignment_sql.take_lease(conn, sid, who, expires_at=expires, now=now - _EPOCH)
    # The oracle counts from the labels themselves, not from the progress table.
    with store.read() as conn:
        pairs = {(lab.sentence_id, lab.annotator) for lab in labels_sql.current_labels(conn)}
    pairs |= {(sid, who) for sid, who in leased if who in ("budi", "dewi")}
    taken = Counter(sid for sid, _ in pairs)
    open_ids = {sid for sid in range(1, 59) if taken[sid] < k}
    try:
        for name in queue.strategy_names():
            try:
                sid = queue.get_strategy(name).next_sentence(store, "ani", after=after)
            except queue.QueueExhausted:
                assert not open_ids, name
            else:
                assert sid in open_ids, name
    finally:  # the store outlives the example: leave no labels or leases behind
        for who, ids in others.items():
            _clear(store, labelset, who, ids)
        with store.write() as conn:
            for sid, who in leased:
                assignment_sql.end_lease(conn, sid, who)
