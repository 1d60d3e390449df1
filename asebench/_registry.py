"""Name -> factory registries for spaces, protocols, backends and methods, open to plugins.

A registry is filled three ways, and a name resolves the same way in every process:

* asebench's own modules call :meth:`Registry.add` when they are imported;
* installed distributions declare entry points in the registry's group
  (``asebench.methods``, ``asebench.backends``, ``asebench.spaces``, ``asebench.protocols``),
  loaded lazily the first time a name is not found among the built-in ones (a plugin that
  fails to import is a one-line error naming its distribution);
* an import path ``package.module:factory`` is accepted wherever a name is, so a method that
  lives in a user's own module needs no registration at all.

Because entry points and import paths are resolved from the name alone, a spawned pool worker
or a dask worker rebuilds a plugin from the name stored in the study, without any state of the
process that started it. :meth:`Registry.source_files` tells which files a name came from, so
the code version that keys result caches covers plugin code too.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from asebench.errors import AsebenchError

__all__ = ["Registry", "Entry", "is_import_path", "load_import_path"]

T = TypeVar("T")

_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


def is_import_path(name: str) -> bool:
    """Whether ``name`` has the ``package.module:attribute`` form."""
    return bool(_IMPORT_PATH.match(name))


def load_import_path(path: str, what: str = "object") -> object:
    """The object at ``package.module:attribute`` (one-line AsebenchError if it is not there)."""
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import failure of user code is bad input
        raise AsebenchError(f"cannot import {what} {path!r}: {type(exc).__name__}: {exc}"
                            ) from None
    target: object = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AsebenchError(f"{what} {path!r}: module {module_name!r} has no "
                                f"attribute {attribute!r}") from None
    return target


@dataclass(frozen=True)
class Entry:
    """Where a registered name comes from.

    Attributes:
        name: the registered name (or the import path itself).
        origin: ``builtin``, ``entry point`` or ``import path``.
        distribution: the installed distribution that declared an entry point (else None).
        module: the module the factory is defined in.
    """

    name: str
    origin: str
    distribution: str | None
    module: str


class Registry(Generic[T]):
    """Maps names to factories; unknown names give a one-line error listing the choices.

    Args:
        kind: what the entries are, for messages (``method``).
        group: the entry-point group plugins use (``asebench.methods``); None: no plugins.
    """

    def __init__(self, kind: str, group: str | None = None) -> None:
        self.kind = kind
        self.group = group
        self._factories: dict[str, Callable[..., T]] = {}
        self._entries: dict[str, Entry] = {}
        self._aliases: dict[str, str] = {}
        self._plugins_loaded = group is None

    # -- filling -----------------------------------------------------------------------
    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: register ``factory`` under ``name``."""

        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self._put(name, factory, "builtin", None)
            return factory

        return decorate

    def add(self, name: str, factory: Callable[..., T]) -> None:
        """Register ``factory`` under ``name`` (a user's script may call this too)."""
        self._put(name, factory, "builtin", None)

    def alias(self, alias: str, name: str) -> None:
        """Let ``alias`` stand for the registered ``name``."""
        self._aliases[alias] = name

    def _put(self, name: str, factory: Callable[..., T], origin: str,
             distribution: str | None) -> None:
        if name in self._factories:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        self._factories[name] = factory
        module = getattr(factory, "__module__", None) or ""
        self._entries[name] = Entry(name, origin, distribution, module)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        assert self.group is not None
        from importlib import metadata  # only when a name is not built in: it costs ~2 MB

        for point in metadata.entry_points(group=self.group):
            if point.name in self._factories:
                continue
            distribution = point.dist.name if point.dist is not None else "unknown"
            try:
                factory = point.load()
            except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not raised
                raise AsebenchError(
                    f"{self.kind} plugin {point.name!r} of distribution {distribution!r} "
                    f"failed to import ({point.value}): {type(exc).__name__}: {exc}") from None
            self._put(point.name, factory, "entry point", distribution)

    # -- reading -----------------------------------------------------------------------
    def canonical(self, name: str) -> str:
        """``name`` with aliases resolved (an import path stays as it is)."""
        return self._aliases.get(name, name)

    def factory(self, name: str) -> Callable[..., T]:
        """The factory of ``name``: built-in, plugin entry point, or ``module:factory``."""
        name = self.canonical(name)
        if name in self._factories:
            return self._factories[name]
        if is_import_path(name):
            target = load_import_path(name, self.kind)
            if not callable(target):
                raise AsebenchError(f"{self.kind} {name!r} is not callable")
            self._entries[name] = Entry(name, "import path", None, name.partition(":")[0])
            return target
        self._load_plugins()
        try:
            return self._factories[name]
        except KeyError:
            raise AsebenchError(
                f"unknown {self.kind} {name!r}; choose one of {', '.join(self.names())} "
                "(or give package.module:factory)") from None

    def get(self, name: str, /, **options: object) -> T:
        """Build the ``name`` entry with ``options``."""
        return self.factory(name)(**options)

    def entry(self, name: str) -> Entry:
        """Where ``name`` comes from (loads it first)."""
        self.factory(name)
        return self._entries[self.canonical(name)]

    def source_files(self, name: str) -> tuple[Path, ...]:
        """The ``.py`` files of the package or module ``name``'s factory lives in, for a
        plugin (empty for asebench's own entries, which the package's code version covers)."""
        entry = self.entry(name)
        if entry.module.split(".")[0] == "asebench":
            return ()  # asebench's own code, entry points included: code_version covers it
        top = entry.module.split(".")[0]
        module = sys.modules.get(top) or importlib.import_module(top)
        paths = getattr(module, "__path__", None)
        if paths:
            return tuple(sorted(p for root in paths for p in Path(root).rglob("*.py")))
        file = getattr(module, "__file__", None)
        return (Path(file),) if file else ()

    def names(self) -> tuple[str, ...]:
        """Every registered name, built-in first, then plugins."""
        self._load_plugins()
        return tuple(self._factories)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        self._load_plugins()
        return self.canonical(name) in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
