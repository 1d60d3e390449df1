"""``asebench methods``: every method a study can name, built in or from a plugin."""

from __future__ import annotations

import json

import click

__all__ = ["methods_command"]


def _plain(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


@click.command("methods")
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def methods_command(names: tuple[str, ...], as_json: bool) -> None:
    """List the search methods (built in and plugins) with their options and defaults.

    NAMES limits the list (a name may also be package.module:factory).
    """
    from asebench.search import method_catalog, method_entry

    entries = [method_entry(n) for n in names] if names else method_catalog()
    if as_json:
        click.echo(json.dumps([{
            "name": e.name, "display_name": e.display_name, "origin": e.origin,
            "distribution": e.distribution, "capabilities": list(e.capabilities),
            "cost_hint": e.cost_hint, "summary": e.summary,
            "options": None if e.options is None else _plain(e.options)} for e in entries]))
        return
    for e in entries:
        where = e.origin + (f" ({e.distribution})" if e.distribution else "")
        click.echo(f"{e.name}  {e.display_name}  [{where}; "
                   f"{', '.join(e.capabilities) or 'run only'}; cost x{e.cost_hint:g}]")
        if e.summary:
            click.echo(f"    {e.summary}")
        if e.options is None:
            click.echo("    options: not declared")
        elif e.options:
            shown = ", ".join(f"{k}={json.dumps(_plain(v))}" for k, v in e.options.items())
            click.echo(f"    options: {shown}")
