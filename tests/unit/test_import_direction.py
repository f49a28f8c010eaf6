"""The import-direction contract: every import points down the layers, never back up.

From the top: the assembly (the app factory, the command line, the worker process) wires the
edges; the edges (HTTP views, the Socket.IO namespace) parse input and call the web layer and
the domain; the web layer (permissions, request parsing, errors) knows only the domain's
`Principal` and the foundation; the domain packages know the foundation; the foundation
(settings, models, the database, errors, the `AppKey`s) knows only itself; `media/` knows
nothing of ours. `server/keys.py` is a leaf: it names its types under `TYPE_CHECKING` only.

Imports made under `if TYPE_CHECKING:` are for the type checker and are not counted. The
contract runs with `make check` (and with the test suite); see docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Top first. A module belongs to the first layer with a pattern that matches its name.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("assembly", ("server.app", "server.cli", "server.worker", "server.runtime")),
    (
        "edge",
        (
            "server.applications.views",
            "server.health",
            "server.identity.views",
            "server.live.namespace",
            "server.live.socket",
            "server.statements.choices",
            "server.statements.media_files",
            "server.recommendations.views",
            "server.records.views",
            "server.sessions.views",
            "server.stage.views",
            "server.statements.tus",
            "server.statements.views",
        ),
    ),
    ("web", ("server.web", "server.web.*")),
    # `server.live.views` is who sees what in the live room: domain, not HTTP.
    (
        "domain",
        (
            "server.applications.*",
            "server.demo",
            "server.identity.*",
            "server.jobs",
            "server.job_wakeups",
            "server.live.*",
            "server.mail.*",
            "server.recommendations.*",
            "server.records.*",
            "server.sessions.*",
            "server.stage.*",
            "server.statements.*",
        ),
    ),
    ("foundation", ("server", "server.*")),
    ("media", ("media", "media.*")),
)
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
# Leaves import nothing of ours at run time.
LEAVES = frozenset({"server.keys"})


def layer_of(module: str) -> str:
    for name, patterns in LAYERS:
        if any(fnmatchcase(module, pattern) for pattern in patterns):
            return name
    raise AssertionError(f"{module} is in no layer")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(base: str, name: str) -> str:
    """`from base import name`: the module `base.name` when there is one, else `base`."""
    candidate = ROOT.joinpath(*f"{base}.{name}".split("."))
    return f"{base}.{name}" if candidate.with_suffix(".py").exists() or candidate.is_dir() else base


def runtime_imports(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, module) for every import that runs, those under `if TYPE_CHECKING:` excepted."""
    tree = ast.parse(source)
    for_checker = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in for_checker:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield node.lineno, _resolve(base, alias.name)


def ours(module: str) -> bool:
    return module.split(".")[0] in ("server", "media")


def violations() -> list[str]:
    found = []
    for top in ("server", "media"):
        for path in sorted((ROOT / top).rglob("*.py")):
            module = module_name(path)
            rank = RANK[layer_of(module)]
            seen: set[tuple[int, str]] = set()
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for line, target in runtime_imports(path.read_text(encoding="utf-8"), package):
                if not ours(target) or target == module or (line, target) in seen:
                    continue
                seen.add((line, target))
                where = f"{path.relative_to(ROOT)}:{line}"
                if module in LEAVES:
                    found.append(f"{where}: {module} is a leaf but imports {target}")
                elif RANK[layer_of(target)] < rank:
                    found.append(
                        f"{where}: {module} ({layer_of(module)}) imports {target} "
                        f"({layer_of(target)}), a layer above it"
                    )
    return found


def test_every_import_points_down_the_layers() -> None:
    assert violations() == []


def test_the_contract_counts_only_imports_that_run() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from server.settings import Settings\n"
        "from . import ids\n"
        "if TYPE_CHECKING:\n"
        "    from server.live.room import LiveRoom\n"
    )
    assert list(runtime_imports(source, "server")) == [
        (1, "typing"),
        (2, "server.settings"),
        (3, "server.ids"),
    ]


def test_layers_from_the_top() -> None:
    assert layer_of("server.app") == "assembly"
    assert layer_of("server.live.namespace") == "edge"
    assert layer_of("server.sessions.views") == "edge"
    assert layer_of("server.web.permissions") == "web"
    assert layer_of("server.live.room") == "domain"
    assert layer_of("server.keys") == "foundation"
    assert layer_of("media.pipeline") == "media"
