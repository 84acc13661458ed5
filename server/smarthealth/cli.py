"""The ``smarthealth`` command: one sub-command per concern, each defined next to its code."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from .errors import SmartHealthError

# Sub-command name -> "module:attribute" of its click command. Imported only when used, so that
# `smarthealth serve` does not pay for owlready2 and `smarthealth build` does not load Flask.
COMMANDS = {
    "build": "smarthealth.population.cli:build",
    "stats": "smarthealth.population.cli:stats",
    "coverage": "smarthealth.population.cli:coverage",
    "validate": "smarthealth.validation.cli:validate",
    "reason": "smarthealth.validation.cli:reason",
    "ontology": "smarthealth.validation.cli:ontology",
    "serve": "smarthealth.web.cli:serve",
    "query": "smarthealth.saved.cli:query",
    "align": "smarthealth.federation.cli:align",
    "publish": "smarthealth.store.cli:publish",
}

log = logging.getLogger("smarthealth")


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose: bool) -> None:
    """Build, check, query and serve the Smart Health knowledge graph."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    """Run the CLI; report a SmartHealthError as a message, anything else as an internal error."""
    try:
        # Without standalone mode click returns a command's ctx.exit() code instead of exiting.
        result = cli(standalone_mode=False)
        if isinstance(result, int):
            sys.exit(result)
    except click.exceptions.Abort:
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except SmartHealthError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except Exception:  # a bug: keep the traceback in the log, tell the user plainly
        log.exception("internal error")
        click.echo("error: internal error (see the log above)", err=True)
        sys.exit(70)
