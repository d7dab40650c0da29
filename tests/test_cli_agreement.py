"""workbench agreement [--json]: the agreement summary, as JSON or as lines."""

from __future__ import annotations

import json

import pytest

from annotator import agreement
from annotator import annotations as ann
from annotator.annotations import Choice, Decision
from annotator.cli import main
from annotator.labelsets import LabelSet
from annotator.storage import Store

SAID = {  # sentence -> (ani, budi): two agreements, one disagreement, per the test
    1: ("biased", "biased"),
    2: ("not-biased", "not-biased"),
    3: ("biased", "not-biased"),
    4: ("not-biased", "not-biased"),
}


@pytest.fixture
def labelled(store: Store, labelset: LabelSet) -> Store:
    for sentence, values in SAID.items():
        for who, value in zip(("ani", "budi"), values, strict=True):
            ann.save(
                store, sentence_id=sentence, annotator=who, labelset=labelset,
                decisions=[Decision("bias", "", (Choice(value),))],
            )  # fmt: skip
    return store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_agreement_summary(
    capsys: pytest.CaptureFixture[str], labelled: Store, db_url: str
) -> None:
    code, out, err = run(capsys, "--db", db_url, "agreement", "--json", "--n-boot", "200")
    assert code == 0, err
    printed = json.loads(out)
    assert printed == json.loads(json.dumps(agreement.summary(labelled, n_boot=200)))
    bias = next(r for r in printed["alpha"] if r["task"] == "bias" and r["slice"] == "all")
    assert bias["agreement"] == pytest.approx(0.75)  # 3 of 4 sentences agree
    assert printed["annotators"] == ["ani", "budi"] and printed["disagreements"] == 1
    assert [r["sentence_id"] for r in printed["most_contested"]] == [3]


def test_plain_output_lists_alpha_and_each_pairs_kappa(
    capsys: pytest.CaptureFixture[str], labelled: Store, db_url: str
) -> None:
    code, out, _ = run(capsys, "--db", db_url, "agreement", "--n-boot", "0")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        "2 annotator(s), 4 sentence(s) labelled, 4 by two or more; 1 disagreement"
    )
    kappa = agreement.cohen_kappa([a for a, _ in SAID.values()], [b for _, b in SAID.values()])
    assert f"  bias: ani / budi: {kappa:.3f} [—, —] on 4 unit(s)" in lines
    assert any(line.startswith("  bias: ") and ", 0.750, 4" in line for line in lines)


def test_an_empty_database_has_nothing_to_measure(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    code, out, _ = run(capsys, "--db", db_url, "agreement")
    assert code == 0
    assert out.startswith("0 annotator(s), 0 sentence(s) labelled")
