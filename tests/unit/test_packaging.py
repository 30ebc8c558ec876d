"""The distribution holds the package and its data, nothing else: every folder of templates, static files and
data is a (namespace) package, so setuptools does not warn of each one during `make run` (it printed some 800
lines), and the benchmarks and tests stay out of the wheel."""

from pathlib import Path

from setuptools.config.setupcfg import read_configuration

ROOT = Path(__file__).resolve().parents[2]


def test_every_folder_with_files_is_a_package_and_only_ours_are():
    options = read_configuration(ROOT / "setup.cfg")["options"]
    packages = set(options["packages"])
    folders = {
        ".".join(path.relative_to(ROOT).parts)
        for path in (ROOT / "eparticipation").rglob("*")
        if path.is_dir() and path.name != "__pycache__" and any(child.is_file() for child in path.iterdir())
    }
    assert folders - packages == set()
    assert {name.split(".")[0] for name in packages} == {"eparticipation"}
