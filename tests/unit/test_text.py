import pytest

from eparticipation.search import like_pattern
from eparticipation.text import normalise, search_terms, tokens

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    "variant, persian",
    [
        ("كتاب", "کتاب"),  # Arabic kaf
        ("قانون اساسي", "قانون اساسی"),  # Arabic yeh
        ("مبنى", "مبنی"),  # alef maksura
        ("مسئله", "مسیله"),  # yeh with hamza
        ("مؤسسه", "موسسه"),  # waw with hamza
        ("مشاركة", "مشارکه"),  # teh marbuta
        ("خانۀ ملت", "خانه ملت"),  # heh with yeh above
        ("خانه\u0654 ملت", "خانه ملت"),  # heh + hamza above
        ("أحكام إجرایی", "احکام اجرایی"),
        ("آیین", "ایین"),
        ("ٱلله", "الله"),
    ],
)
def test_persian_letter_variants_compare_equal(variant, persian):
    assert normalise(variant) == normalise(persian) == persian


@pytest.mark.parametrize("digits", ["۳۰", "٣٠", "30"])
def test_digits_become_latin(digits):
    assert normalise(f"ماده {digits}") == "ماده 30"


def test_zwnj_vanishes_but_a_space_stays():
    assert normalise(f"می{ZWNJ}شود") == normalise("میشود") == "میشود"
    assert normalise("می شود") == "می شود"
    assert normalise(f"آیین{ZWNJ}نامه") == normalise("ايين\u200dنامه") == "اییننامه"
    # By design: the ZWNJ spelling and the spaced spelling are different words for search.
    assert normalise("ايين نامه") == "ایین نامه" != normalise(f"آیین{ZWNJ}نامه")


def test_other_invisible_marks_vanish():
    assert normalise("\ufeff\u200fماده\u200b\u00ad۱\u200e") == "ماده1"


def test_presentation_forms_become_base_letters():
    # "کتاب" and "سلام" typed with Arabic presentation forms, as copied from old PDFs.
    assert normalise("\ufedb\ufe98\ufe8e\ufe8f") == "کتاب"
    assert normalise("\ufeb3\ufefc\ufee1") == "سلام"
    assert normalise("\ufbfe\ufbff") == "یی"  # Farsi yeh forms


def test_diacritics_and_kashida_are_removed():
    assert normalise("مُشارَکَت") == "مشارکت"
    assert normalise("مـــاده") == "ماده"
    assert normalise("قُوَّهٔ قضائیّه") == "قوه قضاییه"


def test_whitespace_is_collapsed_and_stripped():
    assert normalise("  ماده\u00a0\u00a0۱ \t\n تبصره\u202f۲  ") == "ماده 1 تبصره 2"
    assert normalise(" \u00a0\u200c ") == ""


def test_latin_is_case_folded():
    assert normalise("GDPR und Straße") == normalise("gdpr UND STRASSE") == "gdpr und strasse"
    assert normalise("ＡＢＣ１２") == "abc12"  # fullwidth


def test_like_pattern_escapes_like_wildcards():
    assert like_pattern("50%_off") == r"%50\%\_off%"
    assert like_pattern(r"a\b") == r"%a\\b%"
    assert [like_pattern(term) for term in search_terms(" آيين‌نامه ")] == ["%اییننامه%"]


@pytest.mark.parametrize("query", ["", "   ", "\u00a0\u200c", "ـ"])
def test_empty_queries_have_no_search_terms(query):
    assert search_terms(query) == []


def test_search_finds_spelling_variants():
    stored = normalise("مُشاركت عمومی در تدوين آیین‌نامه‌ها، ماده ۱۲")
    for query in ["مشارکت", "تدوین", "ايين‌نامه", "اییننامه", "ماده 12", "ماده ١٢"]:
        assert normalise(query) in stored


def test_tokens():
    assert tokens("ماده ۱۲ – «مشاركت» عمومی، و (تبصره‌ها)!") == ["ماده", "12", "مشارکت", "عمومی", "و", "تبصرهها"]
    assert tokens("snake_case, E-Mail") == ["snake", "case", "e", "mail"]
    assert tokens("  ") == []


SAMPLES = [
    "",
    "كتاب ۳۰ ٣٠",
    f"می{ZWNJ}شود و آیین{ZWNJ}نامهٔ مُشارَکَت",
    "مـــاده\u00a0۱\u202fتبصره",
    "\ufedb\ufe98\ufe8e\ufe8f \ufdf2",
    "Straße ǰ ﬁ İstanbul",
    "e\u200c\u0301 a\u0640\u0301",  # an accent reunited with its letter once the joiner goes
    "ا\u0654 ي\u0654 ە\u0654 ه\u0654",
    "50%_off \\ \t\n\r",
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_normalise_is_idempotent(sample):
    once = normalise(sample)
    assert normalise(once) == once
    assert tokens(once) == tokens(sample)


def test_normalise_is_idempotent_on_every_arabic_character():
    blocks = [*range(0x0600, 0x0700), *range(0x0750, 0x0780), *range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)]
    for code in blocks:
        once = normalise(chr(code))
        assert normalise(once) == once, hex(code)
