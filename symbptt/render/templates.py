"""The Jinja environment: delimiters LaTeX never uses, a user folder that overrides the
built-in templates by name, strict undefineds, and Jinja's cache of compiled templates."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

from .. import __version__
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
    """Compiled templates kept by Jinja in its private folder under the system temp dir
    (compiling them is a tenth of `derive`'s start-up). A file is named by the format and
    the compile settings as well as the template, since both shape the compiled code;
    Jinja itself checks the template's source and its own version. A cache that cannot be
    written only makes the next run slower."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache(fmt: Format) -> jinja2.BytecodeCache | None:
    settings = repr((__version__, fmt.name, sorted(_SYNTAX.items()))).encode()
    try:
        return _TemplateCache(pattern=f"symbptt-{hashlib.sha256(settings).hexdigest()[:16]}-%s.cache")
    except (OSError, RuntimeError):  # no private cache folder can be made: compile each time
        return None


def environment(fmt: Format, user_dir: str | Path | None = None) -> jinja2.Environment:
    """Jinja environment for `fmt`; templates in `user_dir` override built-in ones by name."""
    loaders = [jinja2.FileSystemLoader(str(user_dir))] if user_dir else []
    loaders.append(jinja2.FileSystemLoader(str(template_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        finalize=lambda v: v if isinstance(v, Tex) else fmt.escape(str(v)),
        bytecode_cache=_template_cache(fmt),
        **_SYNTAX,
    )
    # A macro's output was escaped piece by piece as it rendered: `|rendered` passes it on.
    env.filters["rendered"] = Tex
    return env
