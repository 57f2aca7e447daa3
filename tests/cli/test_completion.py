"""Shell completion as the README documents it: `_SOVLINT_COMPLETE=<shell>_source sovlint`
prints the script, and the script's callback completes commands and options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from helpers import REPO

from sovlint.cli import main


def complete(**env: str) -> str:
    result = CliRunner().invoke(main, [], prog_name="sovlint", env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o nosort -F _sovlint_completion sovlint"),
    ("zsh", "#compdef sovlint"),
    ("fish", "complete --no-files --command sovlint"),
])
def test_the_completion_script_is_produced(shell: str, marker: str) -> None:
    script = complete(_SOVLINT_COMPLETE=f"{shell}_source")

    assert marker in script
    assert f"_SOVLINT_COMPLETE={shell}_complete" in script


def test_the_script_s_callback_completes_commands_and_options() -> None:
    commands = complete(_SOVLINT_COMPLETE="bash_complete", COMP_WORDS="sovlint sc",
                        COMP_CWORD="1")
    options = complete(_SOVLINT_COMPLETE="bash_complete", COMP_WORDS="sovlint scan --skip",
                       COMP_CWORD="2")

    assert "plain,scan" in commands.splitlines()
    assert "plain,--skip-rule" in options.splitlines()


def test_the_readme_documents_the_command_the_tests_run() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_SOVLINT_COMPLETE={shell}_source sovlint" in readme
