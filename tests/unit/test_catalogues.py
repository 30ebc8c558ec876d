"""The message catalogues are current and complete: every string of the code and templates is in the
.pot (regenerate it with `make catalogues`), and translated in fa and en."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PROJECT = Path(__file__).resolve().parents[2]
LOCALE = PROJECT / "locale"


def read_catalogue(path):
    with open(path, "rb") as po:
        return read_po(po)


def msgids(catalogue):
    return {message.id for message in catalogue if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "eparticipation.pot"
    pot_create = Path(sys.executable).parent / "pot-create"
    subprocess.run(
        [str(pot_create), "-c", "lingua.cfg", "-k", "_", "-o", str(pot), "eparticipation"],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )
    return msgids(read_catalogue(pot))


def test_the_pot_file_is_current(extracted):
    committed = msgids(read_catalogue(LOCALE / "eparticipation.pot"))
    assert extracted - committed == set(), "new strings: run `make catalogues` and translate them"
    assert committed - extracted == set(), "strings no longer used: run `make catalogues`"


def test_templates_are_extracted(extracted):
    assert "Skip to the main content" in extracted  # from layout.jinja2


@pytest.mark.parametrize("language", ["fa", "en"])
def test_every_message_is_translated(extracted, language):
    catalogue = read_catalogue(LOCALE / language / "LC_MESSAGES" / "eparticipation.po")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    assert extracted - translated == set()


@pytest.mark.parametrize("domain", ["colander", "deform"])
def test_form_libraries_speak_persian(domain):
    catalogue = read_catalogue(LOCALE / "fa" / "LC_MESSAGES" / f"{domain}.po")
    untranslated = {m.id for m in catalogue if m.id and (not m.string or m.fuzzy)}
    assert untranslated == set()


@pytest.mark.parametrize("language", ["fa", "en"])
def test_placeholders_survive_translation(language):
    import re

    catalogue = read_catalogue(LOCALE / language / "LC_MESSAGES" / "eparticipation.po")
    for message in catalogue:
        if message.id and message.string:
            assert set(re.findall(r"\$\{\w+\}", message.id)) == set(re.findall(r"\$\{\w+\}", message.string)), message.id


def test_persian_says_consultation_with_one_word():
    """«نظرخواهی» everywhere: the audit log said «رایزنی» for the same thing the draft page calls «نظرخواهی»."""
    catalogue = read_catalogue(LOCALE / "fa" / "LC_MESSAGES" / "eparticipation.po")
    messages = [(message.id, message.string) for message in catalogue if message.id and isinstance(message.id, str)]
    assert not [msgid for msgid, msgstr in messages if any(word in msgstr for word in ("رایزنی", "مشورت", "مشاوره"))]
    # The site's own name ("the public consultation site") is «سامانهٔ مشارکت عمومی».
    saying_it = [msgid for msgid, msgstr in messages
                 if "consultation" in msgid.lower() and "consultation site" not in msgid and "نظرخواهی" not in msgstr]
    assert saying_it == []
