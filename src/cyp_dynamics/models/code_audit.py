"""Checks Python that pysd generated from a model before it is ever imported.

A second line of defence behind `sanitise` (which checks the model text pysd is given): pysd's
builder writes a small, known set of constructs, so anything else in its output (an unexpected
import, `eval`, a file or process method, a bare call, a dunder name) means the model file was
written to run code, and the translation is refused.
"""

from __future__ import annotations

import ast
import re

from .sanitise import ModelFileError

FORBIDDEN_NAMES = {  # builtins that reach code or files (pysd never names a variable after one)
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "input", "breakpoint", "help", "exit", "quit", "memoryview", "super", "type",
    "object", "classmethod", "staticmethod", "property"}
FORBIDDEN_ATTRIBUTES = {  # file, process and unpickling methods (xarray's .rename is allowed)
    "system", "popen", "spawnl", "spawnv", "execv", "execl", "fork", "unlink", "rmdir", "mkdir",
    "makedirs", "touch", "chmod", "symlink_to", "hardlink_to", "write_text", "write_bytes",
    "read_text", "read_bytes", "open", "load", "loads", "save", "savez", "savez_compressed",
    "savetxt", "loadtxt", "genfromtxt", "fromfile", "tofile", "memmap", "lib", "ctypeslib", "f2py",
    "testing", "distutils", "DataSource", "exec_module", "import_module", "load_module", "eval",
    "exec", "to_pickle", "read_pickle", "to_netcdf", "load_modules", "check_output", "Popen"}
ALLOWED_IMPORTS = {"numpy": "np", "xarray": "xr"}
ALLOWED_FROM = {  # module: the names pysd's builder imports from it (None: any but forbidden)
    "pysd": {"Component"}, "pathlib": {"Path"}, "scipy": {"stats", "special"},
    "pysd.py_backend.model": {"Macro"},  # a macro: another translated file, checked below
    **{f"pysd.py_backend.{m}": None for m in ("functions", "statefuls", "external", "data",
                                              "lookups", "utils", "allocation")}}
ALLOWED_DUNDERS = {"__file__", "__pysd_version__"}  # the only ones pysd writes


def _adds_to_object(value: ast.expr) -> bool:
    """`_ext_data_x.add(...)`: pysd's one bare call, for data or tables given piece by piece."""
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr == "add" and isinstance(value.func.value, ast.Name)
            and value.func.value.id.startswith("_"))


def _is_macro_file(call: ast.Call) -> bool:
    """`Macro(_root.joinpath("a_name.py"), ...)`, as pysd writes it for a macro."""
    if not call.args:
        return False
    first = call.args[0]
    return (isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute)
            and first.func.attr == "joinpath" and isinstance(first.func.value, ast.Name)
            and first.func.value.id == "_root" and len(first.args) == 1 and not first.keywords
            and isinstance(first.args[0], ast.Constant) and isinstance(first.args[0].value, str)
            and re.fullmatch(r"[a-z_][a-z0-9_]*\.py", first.args[0].value) is not None)


def audit_generated_code(source: str, name: str) -> None:
    """Refuse (ModelFileError) Python that pysd would never generate from a safe model: imports
    beyond those pysd writes (numpy, xarray, scipy, pathlib.Path, pysd's own run-time modules);
    dunder names other than __file__ and __pysd_version__; eval, exec, open and their kin; file,
    process and unpickling methods; Path other than Path(__file__); statements that are bare
    calls. pysd's own output for the course and test models passes (tests/test_engine.py)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ModelFileError(
            f"pysd wrote Python that does not parse ({name}, line {error.lineno}). The model "
            "file probably has characters pysd cannot handle.") from None

    def refuse(node: ast.AST, what: str) -> None:
        raise ModelFileError(
            f"The translation of this model ({name}, line {getattr(node, 'lineno', '?')}) contains "
            f"{what}, which a model should never produce. The model file may have been written "
            "to run code when opened; it was not loaded.")

    for node in ast.walk(tree):  # Macro(_root.joinpath("name.py"), ...): a file beside this one
        if isinstance(node, ast.Name) and node.id == "Macro" and not isinstance(node.ctx, ast.Load):
            refuse(node, "a redefinition of Macro")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "Macro" and not _is_macro_file(node):
            refuse(node, "a macro that loads a file other than its own translation")
    path_calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)
                  and isinstance(n.func, ast.Name) and n.func.id == "Path"
                  and [ast.dump(a) for a in n.args] == [ast.dump(ast.Name("__file__", ast.Load()))]}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name not in ALLOWED_IMPORTS or ALLOWED_IMPORTS[a.name] != a.asname
                   for a in node.names):
                refuse(node, "an unexpected import")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {a.name for a in node.names} | {a.asname or a.name for a in node.names}
            allowed = ALLOWED_FROM.get(module, set())
            if (node.level or module not in ALLOWED_FROM or "*" in names
                    or names & (FORBIDDEN_NAMES | {"load_modules"})
                    or (allowed is not None and not names <= allowed)):
                refuse(node, f"an unexpected import from '{module}'")
        elif isinstance(node, ast.Expr) and not (isinstance(node.value, ast.Constant)
                                                 or _adds_to_object(node.value)):
            refuse(node, "a statement that calls something directly")
        identifier = (node.id if isinstance(node, ast.Name) else node.attr
                      if isinstance(node, ast.Attribute) else node.arg
                      if isinstance(node, ast.arg) else node.name
                      if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else None)
        if identifier is None:
            continue
        dunder = identifier.startswith("__") and identifier.endswith("__")
        if dunder and identifier not in ALLOWED_DUNDERS:
            refuse(node, f"the name '{identifier}'")
        if isinstance(node, ast.Name) and identifier in FORBIDDEN_NAMES:
            refuse(node, f"a use of '{identifier}'")
        if isinstance(node, ast.Attribute) and identifier in FORBIDDEN_ATTRIBUTES:
            refuse(node, f"a call of '.{identifier}'")
        if isinstance(node, ast.Name) and identifier == "Path" and id(node) not in path_calls:
            refuse(node, "a use of Path other than Path(__file__)")
