"""Names a package imports only when first used (PEP 562), so `import cyp_dynamics` stays light."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


def lazy_names(package: str, namespace: dict[str, Any], where: dict[str, str],
               submodules: frozenset[str] = frozenset()) -> tuple[Callable[[str], Any],
                                                                  Callable[[], list[str]]]:
    """A package's `__getattr__` and `__dir__`: `where` maps each name to the module (relative to
    `package`) that defines it; `submodules` are subpackages loaded by attribute access."""

    def __getattr__(name: str) -> Any:
        if name in submodules:
            return import_module(f".{name}", package)
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name], package), name)
        namespace[name] = value  # later uses skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())) | submodules)

    return __getattr__, __dir__
