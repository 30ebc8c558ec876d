from eparticipation.consultations.compare import (
    ArticleChange,
    ArticleText,
    Segment,
    compare_articles,
    summary,
    word_diff,
    words,
)

CONSULTED = [
    ArticleText("1", "تعاریف", "در این آیین‌نامه اصطلاحات زیر به کار می‌روند."),
    ArticleText("2", "دامنه", "این آیین‌نامه بر همه دستگاه‌های اجرایی حاکم است.", ("شامل شرکت‌های دولتی نیز می‌شود.",)),
    ArticleText("3", "انتشار", "پیش‌نویس به مدت ۳۰ روز منتشر می‌شود."),
    ArticleText("4", "اجرا", "وزارت مسئول اجرای این آیین‌نامه است."),
]


def statuses(changes: list[ArticleChange]) -> list[tuple[str, str]]:
    return [(change.number, change.status) for change in changes]


def test_identical_texts_are_all_unchanged():
    changes = compare_articles(CONSULTED, list(CONSULTED))
    assert statuses(changes) == [("1", "unchanged"), ("2", "unchanged"), ("3", "unchanged"), ("4", "unchanged")]
    second = changes[1]
    assert second.before is second.after is CONSULTED[1]
    assert second.heading == [Segment("same", "دامنه")]
    assert second.body == [Segment("same", "این آیین‌نامه بر همه دستگاه‌های اجرایی حاکم است.")]
    assert second.notes == [[Segment("same", "شامل شرکت‌های دولتی نیز می‌شود.")]]
    assert summary(changes) == {"added": 0, "removed": 0, "changed": 0, "unchanged": 4}


def test_one_word_changed_marks_exactly_that_word():
    final = ArticleText("3", "انتشار", "پیش‌نویس به مدت ۴۵ روز منتشر می‌شود.")
    [change] = compare_articles([CONSULTED[2]], [final])
    assert change.status == "changed"
    assert change.heading == [Segment("same", "انتشار")]
    assert change.body == [
        Segment("same", "پیش‌نویس به مدت"),
        Segment("removed", "۳۰"),
        Segment("added", "۴۵"),
        Segment("same", "روز منتشر می‌شود."),
    ]
    assert change.notes == []


def test_spelling_fixes_are_changes():
    # Words are compared exactly: Arabic yeh → Persian yeh is a change worth showing.
    [change] = compare_articles([ArticleText("1", "", "قانون اساسي")], [ArticleText("1", "", "قانون اساسی")])
    assert change.status == "changed"
    assert change.body == [Segment("same", "قانون"), Segment("removed", "اساسي"), Segment("added", "اساسی")]


def test_added_and_removed_articles_and_their_order():
    final = [
        CONSULTED[0],
        ArticleText("5", "شفافیت", "نتایج مشارکت منتشر می‌شود.", ("گزارش ظرف یک ماه.",)),
        CONSULTED[2],
        CONSULTED[3],
    ]
    changes = compare_articles(CONSULTED, final)
    # Final order; removed article 2 comes after article 1, which preceded it in the consulted text.
    assert statuses(changes) == [
        ("1", "unchanged"), ("2", "removed"), ("5", "added"), ("3", "unchanged"), ("4", "unchanged")
    ]
    removed, added = changes[1], changes[2]
    assert (removed.before, removed.after) == (CONSULTED[1], None)
    assert removed.heading == [Segment("removed", "دامنه")]
    assert removed.body == [Segment("removed", "این آیین‌نامه بر همه دستگاه‌های اجرایی حاکم است.")]
    assert removed.notes == [[Segment("removed", "شامل شرکت‌های دولتی نیز می‌شود.")]]
    assert (added.before, added.after) == (None, final[1])
    assert added.heading == [Segment("added", "شفافیت")]
    assert added.body == [Segment("added", "نتایج مشارکت منتشر می‌شود.")]
    assert added.notes == [[Segment("added", "گزارش ظرف یک ماه.")]]
    assert summary(changes) == {"added": 1, "removed": 1, "changed": 0, "unchanged": 3}


def test_removed_articles_at_the_start_and_in_a_row_keep_their_consulted_order():
    final = [ArticleText("3", "انتشار", "متن تازه"), ArticleText("9", "", "ماده نو")]
    changes = compare_articles(CONSULTED, final)
    assert statuses(changes) == [("1", "removed"), ("2", "removed"), ("3", "changed"), ("4", "removed"), ("9", "added")]


def test_a_reordered_final_text_sets_the_order():
    changes = compare_articles(CONSULTED[:2], [CONSULTED[1], CONSULTED[0]])
    assert statuses(changes) == [("2", "unchanged"), ("1", "unchanged")]


def test_notes_added_and_removed():
    before = ArticleText("2", "دامنه", "متن", ("تبصره نخست.", "تبصره دوم."))
    dropped = ArticleText("2", "دامنه", "متن", ("تبصره نخست.",))
    added = ArticleText("2", "دامنه", "متن", ("تبصره نخست.", "تبصره دوم.", "تبصره سوم."))

    [change] = compare_articles([before], [dropped])
    assert change.status == "changed"
    assert change.body == [Segment("same", "متن")]
    assert change.notes == [[Segment("same", "تبصره نخست.")], [Segment("removed", "تبصره دوم.")]]

    [change] = compare_articles([before], [added])
    assert change.status == "changed"
    assert change.notes[2] == [Segment("added", "تبصره سوم.")]
    assert change.notes[:2] == [[Segment("same", "تبصره نخست.")], [Segment("same", "تبصره دوم.")]]


def test_notes_given_as_a_list_are_kept_as_a_tuple():
    assert ArticleText("1", "", "", ["یک", "دو"]).notes == ("یک", "دو")


def test_heading_change_only():
    [change] = compare_articles([CONSULTED[0]], [ArticleText("1", "تعاریف و اختصارات", CONSULTED[0].text)])
    assert change.status == "changed"
    assert change.heading == [Segment("same", "تعاریف"), Segment("added", "و اختصارات")]
    assert change.body == [Segment("same", CONSULTED[0].text)]


def test_whitespace_only_changes_are_unchanged():
    before = ArticleText("1", "تعاریف", "در این آیین‌نامه\nاصطلاحات زیر", ("تبصره",))
    after = ArticleText("1", " تعاریف ", "  در  این\tآیین‌نامه\r\n\r\nاصطلاحات\u00a0زیر \n", ("تبصره  ",))
    [change] = compare_articles([before], [after])
    assert change.status == "unchanged"
    assert change.body == [Segment("same", "در این آیین‌نامه\nاصطلاحات زیر")]


def test_line_breaks_are_preserved_in_segments():
    before = "الف) بند نخست\nب) بند دوم"
    after = "الف) بند نخست\nب) بند دوم اصلاح شده\nج) بند سوم"
    assert words(after) == ["الف)", "بند", "نخست", "\n", "ب)", "بند", "دوم", "اصلاح", "شده", "\n", "ج)", "بند", "سوم"]
    assert word_diff(before, after) == [
        Segment("same", "الف) بند نخست\nب) بند دوم"),
        Segment("added", "اصلاح شده\nج) بند سوم"),
    ]


def test_a_paragraph_break_is_a_change():
    assert word_diff("یک دو", "یک\nدو") == [Segment("same", "یک"), Segment("added", "\n"), Segment("same", "دو")]


def test_replaced_runs_are_removed_then_added_and_adjacent_runs_merge():
    assert word_diff("a b c d", "a x y d e") == [
        Segment("same", "a"),
        Segment("removed", "b c"),
        Segment("added", "x y"),
        Segment("same", "d"),
        Segment("added", "e"),
    ]
    assert word_diff("", "") == []
    assert word_diff("a", "") == [Segment("removed", "a")]


def test_summary_counts_every_status():
    final = [ArticleText("1", "تعاریف", "متن تازه"), CONSULTED[1], ArticleText("7", "", "نو")]
    changes = compare_articles(CONSULTED[:3], final)
    assert statuses(changes) == [("1", "changed"), ("2", "unchanged"), ("3", "removed"), ("7", "added")]
    assert summary(changes) == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}
    assert summary([]) == {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
