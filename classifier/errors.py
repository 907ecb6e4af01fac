"""Errors the classifier raises for bad input (shown to the user as one line, never a traceback)."""


class InputError(ValueError):
    """Input the user can fix: bad CSV, missing column, one label only, unknown model file..."""
