"""synthnb: design prompts that write synthetic fine-tuning data, generate it with any LLM, check it, curate it and export it.

The names a user needs, in the order of the work: `from synthnb import PromptSpec, generate, quality, export_split`."""
__version__ = "0.1.0"  # first: modules below read it while this file is still being run

from importlib.util import find_spec as _find_spec

from .files import SynthnbError, read_rows
from .spec import PromptSpec, Field
from .endpoints import Endpoint, endpoint_for
from .local import embedded
from .generate import Run, generate, stream, summary, failures, records
from .estimate import estimate
from .quality import quality, QualityReport
from .plots import compare_table
from .report import save_report
from .export import export, export_split, export_chat_jsonl, push_to_hub
from .overlap import read_examples
from .real import coverage
from .real_plots import save_eval

__all__ = ["SynthnbError", "read_rows", "PromptSpec", "Field", "Endpoint", "endpoint_for", "embedded",
           "Run", "generate", "stream", "summary", "failures", "records", "estimate",
           "quality", "QualityReport", "compare_table", "save_report",
           "export", "export_split", "export_chat_jsonl", "push_to_hub", "read_examples", "coverage", "save_eval"]
# The studio needs ipywidgets (the `dev` extra): imported on first use, so `import synthnb` works without it.
if _find_spec("ipywidgets"): __all__.append("Studio")

def __getattr__(name):
    if name == "Studio":
        from .studio import Studio
        return Studio
    raise AttributeError(f"module 'synthnb' has no attribute {name!r}")

def __dir__(): return sorted(set(globals()) | {"Studio"})
