"""Runs inside the ``code`` check's subprocess (``python -I code_runner.py``, cwd a throw-away directory).

Reads ``{"code", "tests"}`` as JSON on stdin, installs an audit hook that refuses sockets, new processes
and file writes outside the working directory, runs the code, then each test (a statement such as
``assert f(2) == 4``) in the code's namespace, and prints one JSON line: per test, passed or the error.
Best effort only (code can still do harm through C extensions): not a security boundary.
Only the standard library, and nothing of simuser, is imported here.
"""

import contextlib
import io
import json
import os
import sys

BLOCKED_PREFIXES = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.forkpty", "os.kill", "os.killpg", "pty.", "ctypes.dlopen", "webbrowser.")
PATH_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1),
               "os.chmod": (0,), "os.chown": (0,), "os.symlink": (0, 1), "os.link": (0, 1), "os.truncate": (0,),
               "os.utime": (0,), "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (0, 1)}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
HOME = os.path.realpath(os.getcwd())


def _inside(path) -> bool:
    if isinstance(path, int):
        return True  # an already open descriptor
    real = os.path.realpath(os.fsdecode(path))
    return real == HOME or real.startswith(HOME + os.sep)


def _writes(mode, flags) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & WRITE_FLAGS)


def guard(event: str, args: tuple) -> None:
    if event.startswith(BLOCKED_PREFIXES):
        raise PermissionError(f"blocked by the code check: {event}")
    if event == "open" and args and args[0] is not None and _writes(args[1], args[2]) and not _inside(args[0]):
        raise PermissionError(f"blocked by the code check: writing {args[0]} outside the working directory")
    for index in PATH_EVENTS.get(event, ()):
        if index < len(args) and args[index] is not None and not _inside(args[index]):
            raise PermissionError(f"blocked by the code check: {event} on {args[index]} outside the working directory")


def run(code: str, tests: list) -> dict:
    namespace: dict = {"__name__": "__solution__"}
    try:
        exec(compile(code, "<reply>", "exec"), namespace)
    except BaseException as exc:  # noqa: BLE001 - the reply's code failed
        return {"loaded": False, "error": f"{type(exc).__name__}: {exc}", "tests": []}
    results = []
    for test in tests:
        try:
            exec(compile(test, "<test>", "exec"), namespace)
            results.append({"test": test, "passed": True, "error": None})
        except BaseException as exc:  # noqa: BLE001
            results.append({"test": test, "passed": False, "error": f"{type(exc).__name__}: {exc}"[:300]})
    return {"loaded": True, "error": None, "tests": results}


def main() -> None:
    job = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.addaudithook(guard)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = run(job["code"], job["tests"])
    out.write(json.dumps(result) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
