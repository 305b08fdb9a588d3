"Modules in a line: no import cycles among synthnb modules, no import inside a function to dodge one, no private name taken from another module; and a light package face."
import ast, subprocess, sys
from pathlib import Path

PKG = Path(__file__).parent.parent/"synthnb"
MODULES = sorted(p.stem for p in PKG.glob("*.py") if p.stem not in ("__init__", "_modidx"))

def _imports(name):
    "(module imported, names, function it sits in or None) for each import of a synthnb module in `name`."
    tree = ast.parse((PKG/f"{name}.py").read_text())
    out = []
    def visit(node, fn):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn
            if isinstance(child, ast.ImportFrom):
                mod = child.module or ""
                if child.level: target = mod.split(".")[0]
                elif mod == "synthnb" or mod.startswith("synthnb."): target = mod[len("synthnb."):].split(".")[0]
                else: target = None
                if target is not None: out.append((target, [a.name for a in child.names], fn))
            elif isinstance(child, ast.Import):
                out.extend([(a.name.split(".")[1] if "." in a.name else "", [], fn) for a in child.names if a.name.split(".")[0] == "synthnb"])
            visit(child, inner)
    visit(tree, None)
    return out

IMPORTS = {m: _imports(m) for m in MODULES}

def _cycle(graph):
    "One cycle of `graph` (a list of modules, first == last), or None."
    state, stack = {}, []
    def dfs(m):
        state[m] = "open"; stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == "open": return stack[stack.index(n):] + [n]
            if n not in state and (c := dfs(n)): return c
        state[m] = "done"; stack.pop()
    for m in sorted(graph):
        if m not in state and (c := dfs(m)): return c

def test_no_import_cycle():
    # `from synthnb import __version__` reads the package's version, set before the package imports any module
    graph = {m: {t for t, _, _ in imps if t and t in MODULES} for m, imps in IMPORTS.items()}
    c = _cycle(graph)
    assert c is None, "import cycle: " + " -> ".join(c)

def test_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None

def test_no_synthnb_import_inside_a_function():
    found = [f"{m}.{fn} imports synthnb.{t}" for m, imps in IMPORTS.items() for t, _, fn in imps if fn]
    assert not found, "\n".join(found)

def test_no_private_name_from_another_module():
    found = [f"{m} imports {n} from synthnb.{t}" for m, imps in IMPORTS.items() for t, names, _ in imps
             for n in names if n.startswith("_") and not n.startswith("__")]
    assert not found, "\n".join(found)

def test_every_user_error_has_one_base():
    from synthnb.files import SynthnbError
    import synthnb.studio, synthnb.batch  # noqa: F401  (StudioError, BatchError: modules the package face leaves out)
    names = {c.__name__ for c in _subclasses(SynthnbError)}
    assert {"SpecError", "EndpointError", "Unreachable", "ModelError", "BatchError", "ExportError", "DataError", "CurationError", "StudioError"} <= names
    from synthnb.spec import SpecError
    from synthnb.files import DataError
    assert issubclass(SpecError, ValueError) and issubclass(DataError, ValueError)  # `except ValueError` still works

def _subclasses(cls):
    for c in cls.__subclasses__(): yield c; yield from _subclasses(c)

def test_package_face():
    from synthnb import PromptSpec, generate, quality, Studio, SynthnbError, export_split, coverage, embedded  # noqa: F401
    import synthnb
    assert all(hasattr(synthnb, n) for n in synthnb.__all__)

def test_import_synthnb_is_light():
    code = "import sys, synthnb; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False", "import synthnb imported ipywidgets (the studio is for `from synthnb import Studio`)"
