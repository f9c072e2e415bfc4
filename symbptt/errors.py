"""The error hierarchy: one root, split by whether the input could ever be valid.

The CLI turns every `SymbpttError` into a one-line message on stderr and exit status 2;
any other exception reaching it is a bug (see `cli.main`).
"""


class SymbpttError(Exception):
    """Root of every error symbptt raises on purpose."""


class InputError(SymbpttError, ValueError):
    """The input can never be valid (unknown activation, dimension < 1, ...).

    The message names the accepted values, so the user can fix the call.
    """


class UnknownNameError(InputError):
    """A name a formula uses with no role; `name` is it as written (a reader other than the
    command line, such as `lint`, gives its own advice)."""

    def __init__(self, message: str, name: str):
        super().__init__(message)
        self.name = name


class UnsupportedError(SymbpttError, NotImplementedError):
    """A valid request that symbptt cannot handle yet (no rule for an expression node)."""


class OutputError(SymbpttError, OSError):
    """A report could not be written or built (unwritable path, no pdflatex)."""


class TemplateError(SymbpttError):
    """A template from --template-dir cannot be compiled or rendered; the message names the
    template file and line."""
