"""workbench compare: the numbers behind the charts as JSON, a summary, and the offline report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator import compare, stories
from annotator.cli import main
from annotator.compare_report import numbers, story_view
from annotator.labelsets import LabelSet
from annotator.storage import Store
from tests.synthetic_outlets import label

BBC, KUMPARAN, MUSK = "BBC News Indonesia", "kumparan", "Elon Musk"


@pytest.fixture
def labelled(store: Store, labelset: LabelSet) -> Store:
    for sid, stance, bias in ((7, "against", "biased"), (9, "neutral", "not-biased"),
                              (41, "favor", "biased"), (44, "favor", "biased")):  # fmt: skip
        label(store, labelset, "ani", sid, stance={MUSK: stance}, bias=bias)
    return store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_numbers_behind_the_charts(
    capsys: pytest.CaptureFixture[str], labelled: Store, labelset: LabelSet, db_url: str
) -> None:
    story = stories.create_story(labelled, "DDoS", document_ids=[1, 2])
    code, out, err = run(capsys, "--db", db_url, "compare", "--json", "--story", str(story))
    assert code == 0, err
    printed = json.loads(out)
    controls = compare.Controls(outlets=(BBC, KUMPARAN), story=story)
    view = story_view(labelled, labelset, controls, story)
    want = numbers(compare.compare(labelled, labelset, controls), controls, view=view)
    assert printed == json.loads(json.dumps(want))
    favor = [r for r in printed["stance"] if r["outlet"] == KUMPARAN and r["value"] == "favor"]
    assert (favor[0]["count"], favor[0]["n"], favor[0]["small"]) == (2, 2, True)
    assert printed["pair"] == [BBC, KUMPARAN]
    assert any("besar-besaran terhadap X" in p["left_text"] for p in printed["story"]["pairs"])


def test_options_narrow_the_numbers_and_nan_prints_as_null(
    capsys: pytest.CaptureFixture[str], labelled: Store, labelset: LabelSet, db_url: str
) -> None:
    code, out, _ = run(capsys, "--db", db_url, "compare", "--json", "--outlets", KUMPARAN, BBC,
                       "--from", "2024-08-14")  # fmt: skip
    assert code == 0
    printed = json.loads(out)
    assert printed["pair"] == [KUMPARAN, BBC] and printed["stance"] == []
    assert "label some sentences" in printed["empty"]
    code, out, _ = run(capsys, "--db", db_url, "compare", "--json", "--source", "model")
    assert code == 0 and "retrain on Model" in json.loads(out)["empty"]
    code, out, _ = run(capsys, "--db", db_url, "compare", "--json", "--outlets", BBC)
    only = json.loads(out)
    assert only["pair"] is None and {r["outlet"] for r in only["stance"]} == {BBC}
    label(labelled, labelset, "ani", 1, opinion="opinion")  # BBC only: no share for kumparan
    code, out, _ = run(capsys, "--db", db_url, "compare", "--json")
    assert "NaN" not in out
    opinion = [r for r in json.loads(out)["differences"] if r["task"] == "opinion"]
    assert opinion and all(r["share_b"] is None for r in opinion)


def test_plain_output_and_mistakes(
    capsys: pytest.CaptureFixture[str], labelled: Store, db_url: str
) -> None:
    code, out, _ = run(capsys, "--db", db_url, "compare")
    assert code == 0
    assert f"  stance toward {MUSK} · {KUMPARAN} · favor: 100% [" in out
    assert f"0 of 5 difference(s) between {BBC} and {KUMPARAN} hold" in out
    code, _, err = run(capsys, "--db", db_url, "compare", "--outlets", "Tempo")
    assert code == 1 and "no outlet named 'Tempo'" in err
    code, _, err = run(capsys, "--db", db_url, "compare", "--threshold", "2")
    assert code == 1 and "threshold" in err
    with pytest.raises(SystemExit):
        main(["--db", db_url, "compare", "--from", "13 August"])


def test_the_report_holds_the_charts_and_tables_and_loads_nothing(
    capsys: pytest.CaptureFixture[str], labelled: Store, db_url: str, tmp_path: Path
) -> None:
    story = stories.create_story(labelled, "DDoS", document_ids=[1, 2])
    path = tmp_path / "compare.html"
    code, out, err = run(capsys, "--db", db_url, "compare", "--report", str(path),
                         "--story", str(story), "--title", "Musk <b>DDoS</b>")  # fmt: skip
    assert code == 0, err
    assert out.strip() == f"wrote {path}"
    html = path.read_text(encoding="utf-8")
    specs = [json.loads(s) for s in re.findall(r'data-chart="chart-\d+">(.*?)</script>', html)]
    assert len(specs) == 3  # stance toward Musk, bias, differences
    assert all(s["$schema"].startswith("https://vega.github.io/schema/vega-lite/") for s in specs)
    assert "<title>Musk &lt;b&gt;DDoS&lt;/b&gt;</title>" in html
    assert "serangan DDOS besar-besaran" in html and "Aligned pairs" in html
    assert not re.search(r"""\b(src|href)\s*=\s*["']?https?:""", html)
    assert "vegaEmbed" in html and "default-src 'none'" in html
