"""The Jinja environment: delimiters LaTeX never uses, a user folder that overrides the
built-in templates by name, strict undefineds, and compiled templates in the user's cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

from .. import __version__, cache
from ..errors import SymbpttError, TemplateError
from ..printing import Tex
from .formats import Format


def template_dir() -> Path:
    """The built-in templates: inside the installed package, else the checkout's templates/."""
    package = Path(__file__).parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


#: How templates are compiled: delimiters LaTeX never uses (with Jinja's defaults `{#1}` is
#: a syntax error), and whitespace control.
_SYNTAX = dict(
    block_start_string="((*", block_end_string="*))",
    variable_start_string="(((", variable_end_string=")))",
    comment_start_string="((#", comment_end_string="#))",
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
)


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in the user's cache folder (`symbptt.cache`; compiling them
    is a tenth of `derive`'s start-up). A file is named by the format and the compile
    settings as well as the template, since both shape the compiled code; Jinja itself
    checks the template's source and its own version. A file that is not the user's own,
    or is damaged, is compiled again; one that cannot be written only makes the next run
    slower."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = cache.read_file(self._get_cache_filename(bucket))
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # damaged: Jinja's checks stop at its magic header and checksum
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        cache.write_file(self._get_cache_filename(bucket), bucket.bytecode_to_string())


def _template_cache(fmt: Format) -> jinja2.BytecodeCache | None:
    folder = cache.folder()
    if folder is None:  # caching off, or no private folder: compile each time
        return None
    settings = repr((__version__, fmt.name, sorted(_SYNTAX.items()))).encode()
    return _TemplateCache(str(folder), f"templates-{hashlib.sha256(settings).hexdigest()[:16]}-%s.cache")


class _UserLoader(jinja2.FileSystemLoader):
    """The --template-dir loader: a file that is not UTF-8, or does not compile, is the
    user's error, named with its line."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raise TemplateError(f"template {template!r} in {self.searchpath[0]} is not UTF-8 "
                                f"text (byte {exc.start})") from None

    def load(self, environment, name, globals=None):
        try:
            return super().load(environment, name, globals)
        except jinja2.TemplateSyntaxError as exc:
            # Some of Jinja's lexer errors carry no file name ("<unknown>"): this loader knows it.
            filename = self.get_source(environment, name)[1]
            raise TemplateError(f"{filename}, line {exc.lineno}: TemplateSyntaxError: "
                                f"{exc.message}") from None


def _user_frame(exc: BaseException, user_dir: Path) -> tuple[str, int] | None:
    """The innermost (file, line) in `exc`'s traceback that is a template in `user_dir`:
    Jinja has rewritten the traceback's frames to point into template sources."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if Path(name).is_file() and Path(name).resolve().is_relative_to(user_dir):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


class _UserEnvironment(jinja2.Environment):
    """With a --template-dir: an error in one of its templates (syntax, an undefined name, a
    missing include, an exception in an expression) becomes one `TemplateError` naming the
    file and line, not a traceback. Errors in the built-in templates stay bugs."""

    user_dir: Path

    def handle_exception(self, source=None):
        from jinja2.debug import rewrite_traceback_stack

        exc = rewrite_traceback_stack(source=source)
        if isinstance(exc, SymbpttError) or not isinstance(exc, Exception):
            raise exc
        where = _user_frame(exc, self.user_dir)
        if where is None:
            raise exc
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        kind = ("template not found" if isinstance(exc, jinja2.TemplateNotFound)
                else type(exc).__name__)
        raise TemplateError(f"{where[0]}, line {where[1]}: {kind}: {message}") from None


def _initial(value: str) -> str:
    """A sentence's first letter in upper case. Jinja's `capitalize` lowers the rest and returns
    a plain str, which `finalize` would escape a second time: a Tex stays Tex."""
    return type(value)(value[:1].upper() + value[1:])


def environment(fmt: Format, user_dir: str | Path | None = None) -> jinja2.Environment:
    """Jinja environment for `fmt`; templates in `user_dir` override built-in ones by name."""
    loaders = [_UserLoader(str(user_dir))] if user_dir else []
    loaders.append(jinja2.FileSystemLoader(str(template_dir())))
    env = (_UserEnvironment if user_dir else jinja2.Environment)(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        finalize=lambda v: v if isinstance(v, Tex) else fmt.escape(str(v)),
        bytecode_cache=_template_cache(fmt),
        **_SYNTAX,
    )
    # A macro's output was escaped piece by piece as it rendered: `|rendered` passes it on.
    env.filters["rendered"] = Tex
    env.filters["initial"] = _initial
    if user_dir:
        env.user_dir = Path(user_dir).resolve()
    return env
