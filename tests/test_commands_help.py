"""Every command of ours explains itself with --help (argparse needs real strings)."""

import pytest
from django.core.management import call_command, get_commands

OURS = sorted(name for name, app in get_commands().items() if app in (
    "departments", "ratings", "boards", "assessment", "casework", "workdays"))


def test_the_project_has_its_commands():
    assert {"import_org", "import_rulebook", "import_ratings", "close_month", "seed_demo", "rollup_year",
            "rollup_province"} <= set(OURS)


@pytest.mark.parametrize("name", OURS)
def test_a_command_prints_its_help(name, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command(name, "--help")
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip()
