"""workbench user add|list|passwd|disable: passwords by prompt or stdin, never arguments."""

from __future__ import annotations

import io
import json

import pytest

from annotator import accounts
from annotator.cli import main
from annotator.cli import users as users_cli
from annotator.storage import open_store
from tests.people import PASSWORD, cheap_hashing


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def prompts(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    asked: list[str] = []
    replies = iter(answers)

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(users_cli.getpass, "getpass", fake_getpass)
    return asked


def test_the_first_user_add_turns_team_mode_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    stdin(monkeypatch, PASSWORD + "\n")
    code, out, _ = run(
        capsys, "--db", db_url, "user", "add", "alice", "--role", "admin", "--password-stdin"
    )
    assert code == 0 and "added alice (admin)" in out and "team mode is on" in out
    store = open_store(db_url)
    assert accounts.team_mode(store)
    assert accounts.authenticate(store, "alice", PASSWORD).role == accounts.Role.ADMIN


def test_the_password_is_asked_twice_at_a_hidden_prompt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    asked = prompts(monkeypatch, PASSWORD, PASSWORD)
    code, _, _ = run(capsys, "--db", db_url, "user", "add", "budi", "--role", "annotator")
    assert code == 0 and asked == ["Password for budi: ", "Again: "]
    assert accounts.authenticate(open_store(db_url), "budi", PASSWORD).name == "budi"


def test_two_different_passwords_change_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    prompts(monkeypatch, PASSWORD, PASSWORD + "!")
    code, _, err = run(capsys, "--db", db_url, "user", "add", "budi", "--role", "annotator")
    assert code == 1 and "passwords differ" in err
    assert not accounts.team_mode(open_store(db_url))


def test_there_is_no_password_argument(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    with pytest.raises(SystemExit):
        main(["--db", db_url, "user", "add", "x", "--role", "admin", "--password", PASSWORD])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_list_passwd_and_disable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    for name, role in (("ada", "admin"), ("cici", "curator")):
        stdin(monkeypatch, PASSWORD + "\n")
        run(capsys, "--db", db_url, "user", "add", name, "--role", role, "--password-stdin")
    stdin(monkeypatch, "a brand new password\n")
    code, out, _ = run(capsys, "--db", db_url, "user", "passwd", "cici", "--password-stdin")
    assert code == 0 and "password of cici changed" in out
    code, out, _ = run(capsys, "--db", db_url, "user", "disable", "cici")
    assert code == 0 and "cici is disabled" in out
    code, out, _ = run(capsys, "--db", db_url, "user", "list", "--json")
    listed = [(u["name"], u["role"], u["disabled"]) for u in json.loads(out)]
    assert listed == [("ada", "admin", False), ("cici", "curator", True)]
    with pytest.raises(accounts.AuthenticationFailed, match="disabled"):
        accounts.authenticate(open_store(db_url), "cici", "a brand new password")


def test_failures_are_one_line_and_exit_non_zero(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    stdin(monkeypatch, PASSWORD + "\n")
    code, _, err = run(
        capsys, "--db", db_url, "user", "add", "gold", "--role", "admin", "--password-stdin"
    )
    assert (
        code == 1
        and err.strip()
        == "workbench: 'gold' is reserved (gold and imported labels are stored under it)"
    )
    code, _, err = run(capsys, "--db", db_url, "user", "disable", "nobody")
    assert code == 1 and "no user named 'nobody'" in err
    stdin(monkeypatch, "x\n")
    code, _, err = run(capsys, "--db", db_url, "user", "passwd", "nobody", "--password-stdin")
    assert code == 1 and "no user named 'nobody'" in err
    code, out, _ = run(capsys, "--db", db_url, "user", "list")
    assert code == 0 and "single-user mode" in out
