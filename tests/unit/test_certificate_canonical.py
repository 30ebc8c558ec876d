"""The certificates' canonical form is RFC 8785 (JCS) for the documents they hold, and refuses the rest."""

import pytest

from eparticipation.certificates.signing import canonical


def test_sorted_keys_compact_separators_and_jcs_escapes():
    document = {"b": [1, True, None, "ö"], "a": {"d": "line\nbreak \"quoted\" \\ \u001f", "c": "€ ۱۴۰۵ <>&/"}}
    # JCS: members sorted by key, no whitespace, only the two-character and \u00xx (lower case) escapes,
    # every other character (Persian digits, €, /, <) as itself in UTF-8.
    assert canonical(document) == (
        '{"a":{"c":"€ ۱۴۰۵ <>&/","d":"line\\nbreak \\"quoted\\" \\\\ \\u001f"},"b":[1,true,null,"ö"]}'
    ).encode("utf-8")


@pytest.mark.parametrize("document", [{"score": 4.5}, {"نام": "x"}, {"list": [{"deep": 1e3}]}, {1: "x"}])
def test_what_jcs_would_write_otherwise_is_refused(document):
    with pytest.raises(TypeError):
        canonical(document)
