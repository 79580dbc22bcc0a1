"""Build hook: compile the gettext catalogues (service/locales/*/LC_MESSAGES/*.po) to .mo.

pyproject.toml holds all the metadata; this file only adds the compile step, so that
``pip install .`` ships compiled catalogues and ``pip install -e .`` has them beside the
sources. (A checkout without a build still works: core.i18n compiles a .po in memory.)
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path("service") / "locales"


def compile_catalogues(source_root: Path, target_root: Path) -> list[str]:
    written = []
    for po in sorted((source_root / LOCALES).glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        mo = target_root / po.relative_to(source_root).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(str(mo))
    return written


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        here = Path(__file__).resolve().parent
        # Editable installs import from the sources: compile there; otherwise into the build.
        target = here if self.editable_mode else Path(self.build_lib)
        self._catalogues = compile_catalogues(here, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "_catalogues", [])]


setup(cmdclass={"build_py": BuildWithCatalogues})
