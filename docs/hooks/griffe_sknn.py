"""A griffe extension for the docs build: numpy/Sphinx-flavoured docstrings as Markdown.

sknn's docstrings follow numpydoc (as scikit-learn's do), which mkdocstrings
renders well except for a few things this extension fixes at build time,
without touching the package:

* Sphinx roles (``:class:`~sknn.text.TextVectorizer```) become code spans;
* reST literal-block markers (a paragraph ending in ``::``) lose one colon;
* griffe reads ``name : {'a', 'b'}, default='b'`` as "default 'a'" (numpydoc's
  rule for a bare ``{...}``), so documented defaults are taken from the
  signature instead;
* scikit-learn-style nested fields in a description (``data : ndarray`` followed by an
  indented line, as in the loaders' ``Returns``) become a bullet list, and backticks in
  type annotations (``:class:`~sklearn.utils.Bunch```) are dropped;
* docstrings assigned at run time (``Cls.__doc__ = ...``, as the RNN
  estimators do) are invisible to static analysis: they are read from the
  imported object.
"""

import importlib
import inspect
import re

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj|term):`~?([^`]+)`")
_LITERAL = re.compile(r"(\S)::[ \t]*$", re.MULTILINE)
_LONE_LITERAL = re.compile(r"^[ \t]*::[ \t]*$", re.MULTILINE)
_FIELD = re.compile(r"^(\w+) : (.+)$")


def _role(match):
    text = match.group(0)
    target = match.group(1)
    if ":`~" in text:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def _clean(text):
    text = _ROLE.sub(_role, text)
    text = _LITERAL.sub(r"\1:", text)
    return _LONE_LITERAL.sub("", text)


def _nested_fields(text):
    """``name : type`` + indented description lines -> a Markdown bullet."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        match = _FIELD.match(lines[i])
        if match and i + 1 < len(lines) and lines[i + 1].startswith("    "):
            i += 1
            description = []
            while i < len(lines) and lines[i].startswith("    "):
                description.append(lines[i].strip())
                i += 1
            if out and out[-1].strip() and not out[-1].startswith("- "):
                out.append("")
            out.append(f"- `{match.group(1)}` ({match.group(2)}): {' '.join(description)}")
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _runtime_doc(obj):
    try:
        module = importlib.import_module(obj.module.path)
        target = module
        for part in obj.path[len(obj.module.path) + 1:].split("."):
            target = getattr(target, part)
    except Exception:  # noqa: BLE001 - a docs helper: leave the object as it is
        return None
    return inspect.cleandoc(target.__doc__) if target.__doc__ else None


def _signature_defaults(obj):
    try:
        parameters = obj.parameters
    except Exception:  # noqa: BLE001
        return {}
    return {p.name: p.default for p in parameters if p.default is not None}


class SknnDocstrings(griffe.Extension):
    """Clean every docstring of the loaded package (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self._done = set()

    def on_package(self, *, pkg, loader, **kwargs):
        if pkg.path not in self._done:
            self._done.add(pkg.path)
            self._walk(pkg, loader, seen=set())

    on_package_loaded = on_package  # the same event in older griffe versions

    def _walk(self, obj, loader, seen):
        if obj.is_alias or obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is None and (obj.is_class or obj.is_function):
            value = _runtime_doc(obj)
            if value:
                obj.docstring = griffe.Docstring(
                    value, parent=obj, parser=loader.docstring_parser,
                    parser_options=loader.docstring_options)
        if obj.docstring is not None:
            obj.docstring.value = _clean(obj.docstring.value)
            if obj.is_class or obj.is_function:
                self._fix_sections(obj)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, loader, seen)

    @staticmethod
    def _fix_sections(obj):
        if obj.docstring.parser is None:
            return
        defaults = _signature_defaults(obj)
        sections = obj.docstring.parsed  # parsed once, cached by griffe
        for section in sections:
            if not isinstance(section.value, list):
                continue
            for item in section.value:
                if isinstance(getattr(item, "annotation", None), str):
                    item.annotation = item.annotation.replace("`", "")
                if isinstance(getattr(item, "description", None), str):
                    item.description = _nested_fields(item.description)
                if (section.kind is griffe.DocstringSectionKind.parameters
                        and item.name in defaults):
                    item.value = defaults[item.name]
