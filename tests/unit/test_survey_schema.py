"""The survey's forms without the web: the editors' question schema and the participant's run-time schema."""

import colander
import pytest

from eparticipation.surveys.models import OPTION_SLOTS, Question, QuestionKind
from eparticipation.surveys.schemas import (
    ANSWER_THIS,
    NO_SUCH_OPTION,
    SCALE_ONLY,
    answer_schema,
    answers_from_form,
    filled_options,
    form_from_answers,
    option_slot_name,
    question_appstruct,
    question_schema,
)

LANGUAGES = ["fa", "en"]


def question_input(texts, options=(), required=False):
    values = {"text": texts, "required": "true" if required else "false",
              "options": {option_slot_name(n): {"fa": "", "en": ""} for n in range(1, OPTION_SLOTS + 1)}}
    for number, option in enumerate(options, start=1):
        values["options"][option_slot_name(number)] = option
    return values


def errors(schema, values):
    with pytest.raises(colander.Invalid) as raised:
        schema.deserialize(values)
    return raised.value.asdict()


def test_a_choice_question_needs_two_complete_options():
    schema = question_schema(QuestionKind.single_choice, LANGUAGES)
    found = errors(schema, question_input({"fa": "پرسش", "en": "Question"}, [{"fa": "الف", "en": "A"}]))
    assert found == {"options": "A choice question needs at least two options."}

    found = errors(schema, question_input({"fa": "پرسش", "en": ""},
                                          [{"fa": "الف", "en": "A"}, {"fa": "", "en": "B"}]))
    assert found == {"text.en": "Write the question in English.",
                     "options.option-2.fa": "Write this option in Persian too."}

    found = errors(schema, question_input({"fa": "پ" * 501, "en": "Q"}, [{"fa": "الف", "en": "A" * 201},
                                                                          {"fa": "ب", "en": "B"}]))
    assert set(found) == {"text.fa", "options.option-1.en"}


def test_empty_option_rows_are_left_out_and_the_rest_kept_in_order():
    schema = question_schema(QuestionKind.multiple_choice, LANGUAGES)
    values = question_input({"fa": " پرسش ", "en": "Question"},
                            [{"fa": "الف", "en": "A"}, {"fa": " ", "en": ""}, {"fa": "ب", "en": "B"}], required=True)
    appstruct = schema.deserialize(values)
    assert appstruct["text"] == {"fa": "پرسش", "en": "Question"} and appstruct["required"] is True
    assert filled_options(appstruct["options"]) == [{"fa": "الف", "en": "A"}, {"fa": "ب", "en": "B"}]


@pytest.mark.parametrize("kind", [QuestionKind.scale, QuestionKind.text])
def test_scale_and_text_questions_have_no_options(kind):
    schema = question_schema(kind, LANGUAGES)
    assert "options" not in [child.name for child in schema.children]
    assert schema.deserialize({"text": {"fa": "پرسش", "en": "Question"}})["required"] is False


def test_the_question_form_shows_a_stored_question():
    question = Question(kind=QuestionKind.single_choice, required=True, texts={"fa": "پ", "en": "Q"},
                        options=[{"fa": "الف", "en": "A"}, {"fa": "ب", "en": "B"}])
    values = question_appstruct(question, LANGUAGES)
    assert values["options"] == {"option-1": {"fa": "الف", "en": "A"}, "option-2": {"fa": "ب", "en": "B"}}


@pytest.fixture
def questions():
    made = [
        Question(id=11, kind=QuestionKind.single_choice, required=True, texts={"fa": "یک", "en": "One"},
                 options=[{"fa": "الف", "en": "A"}, {"fa": "ب", "en": "B"}]),
        Question(id=12, kind=QuestionKind.multiple_choice, required=False, texts={"fa": "دو"},
                 options=[{"fa": "الف"}, {"fa": "ب"}, {"fa": "پ"}]),
        Question(id=13, kind=QuestionKind.scale, required=True, texts={"fa": "سه", "en": "Three"}),
        Question(id=14, kind=QuestionKind.text, required=False, texts={"fa": "چهار", "en": "Four"}),
    ]
    return made


def test_the_answer_form_is_built_from_the_questions_in_the_interface_language(questions):
    schema = answer_schema(questions, "en")
    assert [(child.name, child.title) for child in schema.children[1:]] == [
        ("q11", "1. One"), ("q12", "2. دو"), ("q13", "3. Three"), ("q14", "4. Four")]
    assert schema["q11"].widget.values == [("0", "A"), ("1", "B")]
    assert schema["q13"].widget.values == [(str(n), str(n)) for n in range(1, 6)]
    assert answer_schema(questions, "fa")["q13"].widget.values[0] == ("1", "۱")


def test_answers_are_validated_and_stored_by_question_id(questions):
    schema = answer_schema(questions, "en")
    appstruct = schema.deserialize({"q11": "1", "q12": ["0", "2"], "q13": "5", "q14": " ok "})
    answers = answers_from_form(questions, appstruct)
    assert answers == {"11": 1, "12": [0, 2], "13": 5, "14": "ok"}
    assert form_from_answers(questions, answers) == {"q11": "1", "q12": {"0", "2"}, "q13": "5", "q14": "ok"}
    assert answers_from_form(questions, schema.deserialize({"q11": "0", "q12": [], "q13": "1"})) == {"11": 0, "13": 1}


def test_missing_forged_and_out_of_range_answers_are_refused(questions):
    schema = answer_schema(questions, "en")
    assert errors(schema, {"q12": []}) == {"q11": ANSWER_THIS, "q13": ANSWER_THIS}
    assert errors(schema, {"q11": "2", "q12": ["1", "-1"], "q13": "0", "q14": "x" * 501}) == {
        "q11": NO_SUCH_OPTION, "q12": NO_SUCH_OPTION, "q13": SCALE_ONLY, "q14": "Enter at most 500 characters."}
