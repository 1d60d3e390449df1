"""The ``asebench`` command line: a thin layer over the library.

Subcommands live in their own modules and are imported only when used, so ``asebench query``
does not pay for torch, pandas or dask.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from asebench.errors import AsebenchError

__all__ = ["cli", "main", "EXIT_BAD_INPUT"]

EXIT_BAD_INPUT = 2

# name -> "module:attribute"; a module that is not there yet is simply not offered.
_COMMANDS: dict[str, str] = {
    "query": "asebench.cli._query:query",
    "run": "asebench.cli._run:run",
    "table": "asebench.cli._table:table",
    "figures": "asebench.cli._figures:figures",
    "data": "asebench.cli._data:data",
    "supernet": "asebench.cli._supernet:supernet",
    "methods": "asebench.cli._methods:methods_command",
    "doctor": "asebench.cli._doctor:doctor",
    "verify": "asebench.cli._verify:verify",
    "rank": "asebench.cli._rank:rank",
    "report": "asebench.cli._report:report",
}


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


class _LazyGroup(click.Group):
    """Loads subcommands on demand and turns every user error into one line + exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in _COMMANDS.items()
                if importlib.util.find_spec(target.split(":")[0]) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None or cmd_name not in self.list_commands(ctx):
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.exceptions.Abort:
            click.echo("asebench: aborted", err=True)
            code = 130
        except click.ClickException as exc:
            click.echo(f"asebench: error: {_one_line(exc.format_message())}", err=True)
            code = EXIT_BAD_INPUT
        except AsebenchError as exc:
            click.echo(f"asebench: error: {_one_line(str(exc))}", err=True)
            code = EXIT_BAD_INPUT
        except KeyboardInterrupt:
            click.echo("asebench: interrupted", err=True)
            code = 130
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="asebench")
def cli() -> None:
    """asebench: reproducible, fast ASE-NAS on NAS-Bench-201 and on a live supernet."""


def main() -> None:
    """Console-script entry point."""
    cli()
