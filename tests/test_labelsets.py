"""Label sets: the TOML codebook, validation with places, mentions, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator import labelsets
from annotator.labelsets import LabelSet, find_mentions, load_file, mentioned_targets, parse_toml
from annotator.problems import InputError
from annotator.storage import Store

MINIMAL = """
name = "mini"
[[tasks]]
name = "bias"
kind = "single"
[[tasks.values]]
name = "biased"
[[tasks.values]]
name = "not-biased"
"""


def test_the_default_label_set_has_the_three_task_kinds(default_labelset_file: Path) -> None:
    labelset = load_file(default_labelset_file)
    kinds = {t.name: t.kind for t in labelset.tasks}
    assert kinds == {"stance": "stance", "bias": "single", "opinion": "single", "frames": "multi"}
    frames = labelset.task("frames")
    assert frames is not None
    assert len(frames.values) == 18  # 15 Policy Frames dimensions + 3 project frames
    assert {"Donald Trump", "Elon Musk", "Kamala Harris", "X"} <= {t.name for t in labelset.targets}


def test_every_default_value_has_a_definition_and_example_in_both_languages(
    default_labelset_file: Path,
) -> None:
    for task in load_file(default_labelset_file).tasks:
        for value in task.values:
            for lang in ("id", "en"):
                assert value.definition.get(lang), (task.name, value.name, lang)
                assert value.example.get(lang), (task.name, value.name, lang)
                assert value.title.get(lang), (task.name, value.name, lang)


def test_values_get_digit_keys_then_letters_never_reserved_ones(
    default_labelset_file: Path,
) -> None:
    frames = load_file(default_labelset_file).task("frames")
    assert frames is not None
    keys = [frames.key_of(v.name) for v in frames.values]
    assert keys[:10] == list("1234567890")
    assert len(set(keys)) == len(keys)
    assert not {"C", "R", "U", "N"} & set(keys)  # reserved by Streamlit or used for navigation


def test_a_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(InputError) as info:
        parse_toml('name = "x"\n[[tasks]\n', source="bad.toml")
    (problem,) = info.value.problems
    assert problem.file == "bad.toml"
    assert problem.line == 2


def test_every_semantic_problem_is_listed_with_its_field() -> None:
    text = """
name = "x"
[[tasks]]
name = "stance"
kind = "stance"
[[tasks.values]]
name = "favor"
[[tasks.values]]
name = "favor"
[[tasks]]
name = "frames"
kind = "sometimes"
"""
    with pytest.raises(InputError) as info:
        parse_toml(text, source="x.toml")
    messages = {(p.field, p.message) for p in info.value.problems}
    assert ("tasks[0].targets", "a stance task needs [[tasks.targets]]") in messages
    assert ("tasks[0]", "duplicate value 'favor'") in messages
    assert ("tasks[1].kind", "kind must be one of stance, single, multi") in messages
    assert ("tasks[1].values", "a task needs at least one value") in messages


def test_toml_round_trip_keeps_the_definition(default_labelset_file: Path) -> None:
    labelset = load_file(default_labelset_file)
    again = parse_toml(labelsets.to_toml(labelset))
    assert labelsets.to_dict(again) == labelsets.to_dict(labelset)


def test_mentions_find_aliases_and_prefer_the_longest(labelset: LabelSet) -> None:
    text = "Elon Musk, mantan pemilik X di Twitter, memuji Trump; Xavier tidak."
    mentions = find_mentions(labelset, text)
    assert [(text[m.start : m.end], m.target) for m in mentions] == [
        ("Elon Musk", "Elon Musk"),
        ("X", "X"),
        ("Twitter", "X"),
        ("Trump", "Donald Trump"),
    ]


def test_short_aliases_match_case_and_whole_words_only(labelset: LabelSet) -> None:
    assert mentioned_targets(labelset, "the x axis and the UE, not ue") == ["European Union"]
    assert mentioned_targets(labelset, "akun X-nya") == ["X"]
    assert mentioned_targets(labelset, "@realDonaldTrump menulis") == ["Donald Trump"]


def test_sync_stores_a_new_version_only_when_the_file_changes(
    empty_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    first = labelsets.sync_file(empty_store, path)
    assert (first.created, first.labelset.version) == (True, 1)
    assert labelsets.sync_file(empty_store, path).created is False
    path.write_text(MINIMAL + '[[tasks.values]]\nname = "unclear"\n', encoding="utf-8")
    second = labelsets.sync_file(empty_store, path)
    assert (second.created, second.labelset.version) == (True, 2)
    assert labelsets.current(empty_store, "mini").task("bias").value("unclear") is not None  # type: ignore[union-attr]


def test_an_import_added_version_survives_a_restart_with_the_same_file(
    empty_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    labelsets.sync_file(empty_store, path)
    extended = labelsets.extend(
        labelsets.current(empty_store, "mini"), values={"bias": ["unclear"]}
    )
    labelsets.save_version(empty_store, extended, note="added by import")
    again = labelsets.sync_file(empty_store, path)
    assert again.created is False
    assert again.labelset.version == 2


def test_a_file_dropping_entries_reports_them(empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL + '[[tasks.values]]\nname = "unclear"\n', encoding="utf-8")
    labelsets.sync_file(empty_store, path)
    path.write_text(MINIMAL, encoding="utf-8")
    assert labelsets.sync_file(empty_store, path).missing == ("bias=unclear",)


def test_extend_adds_tasks_targets_and_values_without_touching_the_rest(labelset: LabelSet) -> None:
    extended = labelsets.extend(
        labelset,
        tasks=[labelsets.Task("tone", "single", (labelsets.Value("pro"),))],
        targets={"stance": ["Tim Walz"]},
        values={"frames": ["sports"], "bias": ["biased"]},
    )
    assert [t.name for t in extended.tasks] == [*(t.name for t in labelset.tasks), "tone"]
    assert extended.task("stance").target("Tim Walz") is not None  # type: ignore[union-attr]
    assert extended.task("frames").values[-1].name == "sports"  # type: ignore[union-attr]
    assert len(extended.task("bias").values) == len(labelset.task("bias").values)  # type: ignore[union-attr]
