"""Reading a notebook's parameters and the values given for them (part of :mod:`lib.book.rerun`).

Here live :class:`RerunError` (the one error every rerun module raises) and what a rerun checks
before any computation: reading the MyST or ``.ipynb`` notebook, the cell tagged ``parameters``
(:func:`notebook_parameters` for the declared types, :func:`parameter_defaults` for the default
values), :func:`coerce_parameter` (a command-line string to the declared type, or a one-line
error), and the ``-p NAME VALUE`` pairs taken off the command line (:func:`split_parameter_args`,
:func:`parse_cli`), which :mod:`lib.book.sweep` shares.  Import these from :mod:`lib.book.rerun`
(or :mod:`lib.rerun`), which re-exports them.
"""
from __future__ import annotations

import ast
import json
import math
from pathlib import Path

__all__ = ["RerunError", "notebook_parameters", "parameter_defaults", "coerce_parameter",
           "split_parameter_args", "parse_cli"]


class RerunError(ValueError):
    """A rerun was refused (bad parameter or path, existing output folder) or the notebook failed."""


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _read_notebook(path: Path):
    import jupytext
    import nbformat

    path = Path(path)
    if not path.exists():
        raise RerunError(f"notebook not found: {path}")
    if path.is_dir():
        raise RerunError(f"{path} is a folder, not a notebook")
    if path.suffix not in (".md", ".ipynb"):
        raise RerunError(f"{path} is not a notebook: expected a MyST .md or an .ipynb file")
    try:
        nb = jupytext.read(path) if path.suffix == ".md" else nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - any parse failure is "not a notebook"
        raise RerunError(f"{path} is not a readable notebook ({type(err).__name__}: "
                         f"{_one_line(err)[:200]})") from None
    if not any(c.cell_type == "code" for c in nb.cells):
        raise RerunError(f"{path} is not a notebook: it has no code cells")
    for cell in nb.cells:  # papermill expects every cell to carry a tags list
        cell.metadata.setdefault("tags", [])
    return nb


def notebook_parameters(path) -> dict:
    """Parse the cell tagged ``parameters``: name -> {type, default, help}.

    Parameters
    ----------
    path : str or Path
        A MyST ``.md`` or ``.ipynb`` notebook.

    Returns
    -------
    dict
        ``{name: {"type": "float", "default": "3.0", "help": "..."}}`` as papermill
        infers them from ``name: type = default  # help`` lines.

    Raises
    ------
    RerunError
        If the notebook has no cell tagged ``parameters``.
    """
    import ast
    import logging

    from papermill.inspection import _infer_parameters

    nb = _read_notebook(Path(path))
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise RerunError(f"{path} has no code cell tagged 'parameters'")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as err:
        raise RerunError(f"{path}: the parameters cell is not valid Python ({err})") from None
    assigned = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            assigned.append(node.target.id)
        elif isinstance(node, ast.Assign):
            assigned += [t.id for t in node.targets if isinstance(t, ast.Name)]
    logging.getLogger("papermill").setLevel(logging.ERROR)
    params = {p.name: {"type": p.inferred_type_name, "default": p.default, "help": p.help}
              for p in _infer_parameters(nb)}
    missed = [name for name in assigned if name not in params]
    if missed:
        raise RerunError(
            f"{path}: papermill cannot read parameter(s) {missed}; write one "
            f"`name: type = value  # comment` per line, with no '=' inside the comment")
    return params

_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


def coerce_parameter(name: str, value, declared_type: str):
    """Convert a command-line string to the parameter's declared type.

    Parameters
    ----------
    name : str
        Parameter name (for the error message).
    value : str or object
        The value given; non-strings are checked, not converted.
    declared_type : str
        The annotation in the parameters cell: ``float``, ``int``, ``bool``,
        ``str``, ``list``/``list[float]``/``dict`` (JSON) or ``None`` (free).

    Returns
    -------
    object

    Raises
    ------
    RerunError
        If the value cannot be read as the declared type.
    """
    t = (declared_type or "None").strip()
    base = t.split("[")[0].lower()
    try:
        if base == "float":
            if isinstance(value, bool):
                raise TypeError
            x = float(value)
            if math.isnan(x):
                raise TypeError
            return x
        if base == "int":
            if isinstance(value, bool):
                raise TypeError
            if isinstance(value, str):
                return int(value.strip())
            if float(value) != int(value):
                raise TypeError
            return int(value)
        if base == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise TypeError
        if base == "str":
            return str(value)
        if base in ("list", "dict", "tuple"):
            v = json.loads(value) if isinstance(value, str) else value
            want = list if base in ("list", "tuple") else dict
            if not isinstance(v, want):
                raise TypeError
            return v
    except (TypeError, ValueError, json.JSONDecodeError):
        raise RerunError(
            f"parameter '{name}' expects {t}; got {value!r}") from None
    # untyped parameter: try JSON, else keep the string
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def parameter_defaults(path) -> dict:
    """Default values of the notebook's parameters, as Python objects (``{"sigma": 3.8, ...}``).

    Each right-hand side is read with :func:`ast.literal_eval`; if one is not a literal, the
    parameters cell is executed in an empty namespace instead.
    """
    nb = _read_notebook(Path(path))
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise RerunError(f"{path} has no code cell tagged 'parameters'")
    out, literal = {}, True
    for node in ast.parse(cells[0].source).body:
        targets = ([node.target] if isinstance(node, ast.AnnAssign) else
                   node.targets if isinstance(node, ast.Assign) else [])
        for t in targets:
            if isinstance(t, ast.Name) and getattr(node, "value", None) is not None:
                try:
                    out[t.id] = ast.literal_eval(node.value)
                except ValueError:
                    literal = False
    if not literal:
        namespace: dict = {}
        exec(compile(cells[0].source, str(path), "exec"), namespace)  # noqa: S102 - the notebook's own code
        out = {k: namespace[k] for k in notebook_parameters(path) if k in namespace}
    return out


# --------------------------------------------------------------------------- -p NAME VALUE on a command line
def split_parameter_args(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Take every ``-p NAME VALUE`` / ``--parameter NAME VALUE`` out of ``argv``.

    argparse would read a value such as ``-1e3`` or ``-inf`` as an option; here the two words
    after ``-p`` are taken verbatim.

    Returns
    -------
    (rest, pairs)

    Raises
    ------
    RerunError
        ``-p`` without two words, or a name that starts with ``-``.
    """
    rest, pairs, i = [], [], 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            rest += argv[i:]
            break
        if tok in ("-p", "--parameter"):
            if i + 2 >= len(argv):
                raise RerunError(f"{tok} needs a NAME and a VALUE")
            name, value = argv[i + 1], argv[i + 2]
            if name.startswith("-"):
                raise RerunError(f"{tok} needs a NAME and a VALUE; got {name!r} as the name")
            pairs.append((name, value))
            i += 3
            continue
        rest.append(tok)
        i += 1
    return rest, pairs


def parse_cli(parser, argv):
    """Split the ``-p NAME VALUE`` pairs off ``argv`` and parse the rest with ``parser``.

    Returns ``(args, pairs)``; ``args`` is ``None`` when ``-h``/``--help`` was given (the help is printed).
    """
    rest, pairs = split_parameter_args(argv)
    if any(a in ("-h", "--help") for a in rest):
        parser.print_help()
        return None, pairs
    return parser.parse_args(rest), pairs
