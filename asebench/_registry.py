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
import inspect
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

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


def _members(protocol: type) -> dict[str, str]:
    """The public members a protocol class declares, each as a message shows it:
    ``{"name": "name", "run": "run(backend, budget, rng)"}``."""
    shown: dict[str, str] = {}
    for cls in reversed(protocol.__mro__):
        if cls is object or cls.__module__ == "typing":
            continue
        for attribute, value in vars(cls).items():
            if attribute.startswith("_"):
                continue
            if inspect.isfunction(value):
                params = list(inspect.signature(value).parameters)[1:]  # less self
                shown[attribute] = f"{attribute}({', '.join(params)})"
            else:
                shown[attribute] = attribute
        for attribute in getattr(cls, "__annotations__", {}):
            if not attribute.startswith("_"):
                shown.setdefault(attribute, attribute)
    return shown


def _missing_arguments(factory: Callable[..., object], given: Mapping[str, object],
                       ) -> tuple[list[str], list[str]]:
    """``(required, refused)``: the parameters ``factory(**given)`` leaves without a value,
    and the given keywords it takes no parameter for (both empty when its signature cannot
    be read)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: the call will tell
        return [], []
    by_keyword = {p.name for p in parameters
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    required = [p.name for p in parameters
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and not (p.name in given and p.name in by_keyword)]
    if any(p.kind == p.VAR_KEYWORD for p in parameters):
        return required, []
    return required, [k for k in given if k not in by_keyword]


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


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

    A factory that is not one (not callable, needing arguments it is not given, or building
    something that lacks a member of ``builds``) is a one-line error that says so.

    Args:
        kind: what the entries are, for messages (``method``).
        group: the entry-point group plugins use (``asebench.methods``); None: no plugins.
        builds: the protocol class every factory's result implements (``Searcher``); None:
            results are not checked.
        arguments: the keywords every build passes besides the user's options (a backend
            factory's ``dataset``): a plugin or import-path factory must take them.
    """

    def __init__(self, kind: str, group: str | None = None, *, builds: type | None = None,
                 arguments: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.group = group
        self.builds = builds
        self.arguments = arguments
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

    def _factory_kind(self) -> str:
        return f"{self.builds.__name__.lower() if self.builds else self.kind} factory"

    def factory(self, name: str, *, noun: str | None = None) -> Callable[..., T]:
        """The factory of ``name``: built-in, plugin entry point, or ``module:factory``.

        Args:
            name: the registered name, alias or import path.
            noun: what messages call the entry where the user's word for it differs from
                the registry's kind (``asebench run --benchmark`` names a backend).

        Raises:
            AsebenchError: unknown name, an import path that does not import, or an object
                there that is not callable.
        """
        noun = noun or self.kind
        name = self.canonical(name)
        if name in self._factories:
            return self._factories[name]
        if is_import_path(name):
            target = load_import_path(name, noun)
            if not callable(target):
                raise AsebenchError(f"{noun} {name!r} is not a {self._factory_kind()}: it is "
                                    f"a {type(target).__name__}, which cannot be called")
            self._entries[name] = Entry(name, "import path", None, name.partition(":")[0])
            return target
        self._load_plugins()
        try:
            return self._factories[name]
        except KeyError:
            raise AsebenchError(
                f"unknown {noun} {name!r}; choose one of {', '.join(self.names())} "
                "(or give package.module:factory)") from None

    def get(self, name: str, /, **options: object) -> T:
        """Build the ``name`` entry with ``options``.

        Raises:
            AsebenchError: as :meth:`factory`; or a plugin's or import path's factory that
                needs arguments besides the options, or builds something that lacks a
                member of the registry's protocol.
        """
        factory = self.factory(name)
        if self._entries[self.canonical(name)].origin != "builtin":
            self._check_call(name, factory, options)
        built = factory(**options)
        self._check_built(name, built)
        return built

    def _check_call(self, name: str, factory: Callable[..., T],
                    options: Mapping[str, Any]) -> None:
        """One line unless ``factory(**options)`` gives every parameter a value and
        takes the registry's own :attr:`arguments` (other refused keywords are the user's
        bad options: the call itself reports them)."""
        required, refused = _missing_arguments(factory, options)
        wrong = f"{self.kind} {name!r} is not a {self._factory_kind()}"
        if required:
            called = (f"keyword{'s' * (len(options) > 1)} {', '.join(options)}" if options
                      else "no arguments")
            raise AsebenchError(f"{wrong}: it needs argument{'s' * (len(required) > 1)} "
                                f"{_quoted(required)} (called with {called})")
        theirs = [k for k in refused if k in self.arguments]
        if theirs:
            raise AsebenchError(f"{wrong}: it takes no {_quoted(theirs)}, which every "
                                f"{self.kind} factory is called with")

    def _check_built(self, name: str, built: object) -> None:
        if self.builds is None or isinstance(built, self.builds):
            return
        missing = [shown for member, shown in _members(self.builds).items()
                   if not hasattr(built, member)]
        lacks = (", ".join(missing[:-1]) + " or " + missing[-1] if len(missing) > 1
                 else "".join(missing)) or "what it must have"
        raise AsebenchError(f"{self.kind} {name!r} is not a {self._factory_kind()}: it "
                            f"returned {type(built).__name__}, which has no {lacks}")

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
