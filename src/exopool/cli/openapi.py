"""exopool openapi: print the OpenAPI document (docs/openapi.json is this output)."""

from __future__ import annotations

import click

from exopool.app import render_openapi


def register(main: click.Group) -> None:
    @main.command("openapi")
    def openapi_command() -> None:
        """Print the OpenAPI document.

        The OpenAPI 3.1 document of the API, as served at /openapi.json; docs/openapi.json is this output:
        exopool openapi > docs/openapi.json
        """
        click.echo(render_openapi(), nl=False)
