"""PEP 562 lazy attributes: a package's public names imported on first use."""

import importlib


def lazy_attributes(package, names, public):
    """``(__getattr__, __dir__)`` for the package ``package``.

    ``names`` maps each lazily imported public name to the module (relative to
    ``package``) that defines it; ``public`` is the package's ``__all__``.  A
    name is imported on first access and then cached in the package's globals.
    """

    def __getattr__(name):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__():
        return sorted(set(vars(importlib.import_module(package))) | set(public))

    return __getattr__, __dir__
