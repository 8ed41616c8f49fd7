"""The ``simuser`` command line: one module per command, registered here.

Each module in :data:`COMMANDS` defines ``register(app)``. Modules import heavy libraries inside their
command functions, so ``simuser --help`` stays instant on a bare install. :func:`main` turns user errors
into one line on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.markup import escape

from simuser.cli.common import err_console, quiet_third_party_progress

try:  # typer >= 0.16 vendors click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover
    from click import ClickException as _ClickException  # type: ignore[assignment]
from simuser.errors import UserError
from simuser.redact import redact_text

COMMANDS = (
    "simulate", "show", "export", "backends",
    "demo", "evaluate", "compare", "score", "gap",
    "intents", "flip", "train", "perplexity",
    "serve",
    "redteam", "survey", "judge",
)

app = typer.Typer(
    name="simuser",
    help="Simulate realistic users talking to your assistant, and measure how realistic they are.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"simuser.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"simuser.cli.{name}":
                continue  # command not built into this install
            raise
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    quiet_third_party_progress(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=argv, standalone_mode=False)
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {escape(redact_text(str(exc)))}", highlight=False, soft_wrap=True)
        return 2
    except OSError as exc:  # the file system said no (full disk, read-only, permissions): one line, no traceback
        err_console.print(f"[bold red]error:[/] {escape(redact_text(_os_error_line(exc)))}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted; finished conversations are saved (continue with --resume RUN_DIR)")
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return 1
    except _ClickException as exc:  # bad flags: click's own one-screen usage error
        exc.show()
        return 2
    return result if isinstance(result, int) else 0


def _os_error_line(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}; check the path, its permissions and the free space"


def run() -> None:
    sys.exit(main())
