"""A lab's inventory: the example loads; each mistake names the file, the line and the fix; a
password is never read from the file; shards split it exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccrest.inventory import Controller, InventoryError, load, shard

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lab.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lab.toml"
    path.write_text(text)
    return path


def test_the_example_loads() -> None:
    controllers = load(EXAMPLE)
    assert [c.name for c in controllers] == [
        "type2-only",
        "with-schuko",
        "single-phase",
        "fixed-cable",
    ]
    assert controllers[0].profile == "field-5.33", "from [defaults]"
    assert controllers[2].profile == "doc-5.33.5", "a table overrides [defaults]"
    assert controllers[0].where == f"{EXAMPLE}:13"


OK = '[controllers.a]\nurl = "http://127.0.0.1:1"\npassword_env = "A_PW"\n'


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("", 1, "no controller: add one table per controller"),
        ("[controllers.a]\nurl = 'http://127.0.0.1:1'\n", 1, "password_env is missing"),
        (OK + 'password = "x"\n', 4, "a password never goes into a file"),
        (OK + 'colour = "red"\n', 4, "colour: not a ccrest setting"),
        (OK + "timeout = 5\n", 4, "timeout: not a setting here"),
        (OK + 'auth_scheme = "digest"\n', 4, "give one of doc-headers, basic"),
        (OK.replace("A_PW", "s3cret pw!"), 3, "give the name of an environment variable"),
        (OK.replace("http://127.0.0.1:1", "ftp://x"), 2, "ftp://x"),
        ("[controllers.'a b']\nurl = 'http://127.0.0.1:1'\npassword_env = 'P'\n", 1, "rename"),
        ('[controllers."ok\\n"]\nurl = "http://127.0.0.1:1"\npassword_env = "P"\n', 1, "rename"),
        (OK + OK.replace("[controllers.a]", "[controllers.b]"), 4, "the same url as"),
        ("[lab]\nx = 1\n" + OK, 1, "not an inventory table"),
        (OK + 'allow_anonymous = "yes"\n', 4, "give true or false"),
        ("[controllers.a\n", None, "not valid TOML"),
    ],
)
def test_mistakes_name_file_line_and_fix(tmp_path, text, line, says) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as error:
        load(path)
    message = str(error.value)
    assert says in message
    if line is not None:
        assert message.startswith(f"{path}:{line}: "), message


def test_the_password_comes_from_the_variable_it_names(tmp_path) -> None:
    (c,) = load(write(tmp_path, OK))
    assert c.password({"A_PW": "pw"}) == "pw"
    with pytest.raises(InventoryError, match="A_PW that holds its password is not set"):
        c.password({})


def test_shards_hold_each_controller_once() -> None:
    controllers = [Controller(f"c{i}", f"http://127.0.0.1:{i}", "P") for i in range(1, 8)]
    shards = [shard(controllers, f"{k}/3") for k in (1, 2, 3)]
    assert sorted(c.name for s in shards for c in s) == sorted(c.name for c in controllers)
    assert [c.name for c in shards[1]] == ["c2", "c5"]
    for bad in ("0/3", "4/3", "1/0", "a/b", "2"):
        with pytest.raises(InventoryError, match="give K/N"):
            shard(controllers, bad)
