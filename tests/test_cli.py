"""The workbench command: every subcommand, exit codes, one-line failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.storage import open_store
from annotator.storage import texts as texts_sql


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_loads_the_seeds_once(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    code, out, _ = run(capsys, "--db", db_url, "init")
    assert code == 0 and "seeds: 2 documents, 58 sentences" in out
    code, out, _ = run(capsys, "--db", db_url, "init")
    assert code == 0 and "seeds not loaded" in out and "unchanged, version 1" in out


def test_stats_json_counts_documents_sentences_and_outlets(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    run(capsys, "--db", db_url, "init")
    code, out, _ = run(capsys, "--db", db_url, "stats", "--json")
    figures = json.loads(out)
    assert code == 0
    assert (figures["documents"], figures["sentences"], figures["annotations"]) == (2, 58, 0)
    assert figures["outlets"]["kumparan"] == {"documents": 1, "sentences": 19, "labelled": 0}


def test_import_with_metadata_options(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    article = tmp_path / "tempo.txt"
    article.write_text(
        "Presiden berbicara kepada wartawan di Jakarta pada hari Senin.\nADVERTISEMENT\n"
        "Ia menolak menjawab pertanyaan tentang anggaran.\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys,
        "--db",
        db_url,
        "import",
        str(article),
        "--outlet",
        "Tempo",
        "--title",
        "Judul",
        "--published",
        "2024-08-14",
        "--language",
        "id",
    )
    assert (
        code == 0 and "imported 1 document(s), 2 sentence(s); 1 boilerplate line(s) removed" in out
    )
    store = open_store(db_url)
    with store.read() as conn:
        (doc,) = texts_sql.list_documents(conn)
    assert (doc.outlet, doc.title, doc.published, doc.language) == (
        "Tempo",
        "Judul",
        "2024-08-14",
        "id",
    )


def test_import_failure_exits_non_zero_with_one_line_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title\nx\n", encoding="utf-8")
    code, out, err = run(capsys, "--db", db_url, "import", str(bad))
    assert code == 1 and out == ""
    assert err.splitlines()[-1].startswith("workbench: nothing imported")
    assert "bad.csv, line 1" in err
    with open_store(db_url).read() as conn:
        assert texts_sql.count_documents(conn) == 0


def test_export_then_import_labels_through_the_cli(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    run(capsys, "--db", db_url, "init")
    labels = tmp_path / "in.csv"
    labels.write_text(
        "text,task,value,annotator,outlet,document_id\nSatu kalimat.,tone,pro,ani,Tempo,t1\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--db", db_url, "import", "--labels", str(labels))
    assert code == 0 and "label set: added tone (new single task), tone=pro (version 2)" in out
    out_path = tmp_path / "export" / "labels.jsonl"
    code, out, _ = run(
        capsys, "--db", db_url, "export", "--format", "prodigy", "--out", str(out_path)
    )
    assert code == 0 and f"wrote 1 row(s) to {out_path}" in out
    assert '"_annotator_id"' in out_path.read_text(encoding="utf-8")
    assert (tmp_path / "export" / "labels.card.md").exists()


def test_labelset_show_prints_the_stored_version_and_validate_checks_files(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "--db", db_url, "labelset", "show", "--format", "json")
    assert code == 0 and json.loads(out)["version"] == 1
    code, out, _ = run(capsys, "labelset", "validate")
    assert code == 0 and "default.toml: valid; 4 tasks, 26 values" in out
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[[tasks]]\nname = "t"\nkind = "weird"\n', encoding="utf-8")
    code, _, err = run(capsys, "labelset", "validate", str(broken))
    assert code == 1 and "field 'tasks[0].kind'" in err


def test_the_console_script_is_installed_and_reports_its_version() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "workbench"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("workbench ")


def _labelled(db_url: str) -> None:
    from annotator import labelsets
    from annotator.bootstrap import bootstrap
    from tests.test_training import label_corpus

    store = open_store(db_url)
    bootstrap(store)
    label_corpus(store, labelsets.current(store))


def test_train_prints_both_scores_and_models_lists_the_version(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    _labelled(db_url)
    code, out, _ = run(capsys, "--db", db_url, "train")
    assert code == 0 and out.startswith("model version 1 (active)")
    assert "bias: 58 labels, macro-F1" in out and "outlets held out" in out
    assert "opinion: not trained (no labels yet)" in out
    code, out, _ = run(capsys, "--db", db_url, "models", "--json")
    (row,) = json.loads(out)
    assert (row["version"], row["status"], row["active"]) == (1, "ready", True)


def test_train_json_and_a_refused_train(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    code, _, err = run(capsys, "--db", db_url, "train")
    assert code == 1 and "no task could be trained" in err.splitlines()[-1]
    _labelled(db_url)
    code, out, _ = run(capsys, "--db", db_url, "train", "--json")
    figures = json.loads(out)
    assert figures["version"] == 2 and set(figures["tasks"]) == {"bias", "frames", "stance"}
    assert figures["tasks"]["stance"]["random"]["f_avg"] is not None


def test_predict_writes_tidy_rows_that_import_back(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "--db", db_url, "predict", str(tmp_path / "x.csv"), "--out", str(tmp_path / "o.csv")
    )
    assert code == 1 and "no active model" in err
    _labelled(db_url)
    run(capsys, "--db", db_url, "train")
    texts = tmp_path / "texts.csv"
    texts.write_text("id,text\n7,Musk memuji Trump di X.\n8,Harga beras naik.\n", encoding="utf-8")
    out_path = tmp_path / "predicted.csv"
    code, out, _ = run(capsys, "--db", db_url, "predict", str(texts), "--out", str(out_path))
    assert code == 0 and "for 2 text(s)" in out
    import pandas as pd

    table = pd.read_csv(out_path, dtype=str, keep_default_na=False)
    assert set(table["id"]) == {"7", "8"}
    assert set(table[table["id"] == "7"]["target"]) >= {"", "Elon Musk", "Donald Trump", "X"}
    code, out, _ = run(capsys, "--db", db_url, "import", "--labels", str(out_path))
    assert code == 0 and f"{len(table)} label row(s) added" in out


def test_predict_refuses_an_empty_file_and_one_without_text(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    _labelled(db_url)
    run(capsys, "--db", db_url, "train")
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n", encoding="utf-8")
    code, _, err = run(
        capsys, "--db", db_url, "predict", str(empty), "--out", str(tmp_path / "o.csv")
    )
    assert code == 1 and "no rows to predict" in err
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("body\nhalo\n", encoding="utf-8")
    code, _, err = run(
        capsys, "--db", db_url, "predict", str(wrong), "--out", str(tmp_path / "o.csv")
    )
    assert code == 1 and "line 1: no 'text' column" in err


def test_models_activate_rolls_back(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    _labelled(db_url)
    run(capsys, "--db", db_url, "train")
    run(capsys, "--db", db_url, "train")
    code, out, _ = run(capsys, "--db", db_url, "models", "activate", "1")
    assert code == 0 and out.strip() == "model version 1 is active"
    code, _, err = run(capsys, "--db", db_url, "models", "activate", "9")
    assert code == 1 and "no model version 9" in err
