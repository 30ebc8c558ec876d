"""Forms of surveys: the editors' question form (its text and options in every required language), and the
participant's form, a Colander schema built at run time from the survey's questions."""

import colander
import deform

from eparticipation.forms import CSRFSchema, length, strip_text
from eparticipation.i18n import LANGUAGE_LABELS, _, localize_digits
from eparticipation.surveys.models import (
    OPTION_MAX,
    OPTION_SLOTS,
    QUESTION_MAX,
    SCALE,
    TEXT_ANSWER_MAX,
    Question,
    QuestionKind,
)

KIND_LABELS = {
    QuestionKind.single_choice: _("Single choice"),
    QuestionKind.multiple_choice: _("Multiple choice"),
    QuestionKind.scale: _("Scale from 1 to 5"),
    QuestionKind.text: _("Short text"),
}

ANSWER_THIS = _("Answer this question.")
NO_SUCH_OPTION = _("This option does not exist: choose one of the options offered.")
SCALE_ONLY = _("Choose a value from 1 to 5.")


def language_label(language):
    return LANGUAGE_LABELS.get(language, language)


def language_attributes(language):
    """Each language's input says which language it holds, so it is typed and read in the right direction."""
    return {"lang": language, "dir": "rtl" if language in ("fa", "ar") else "ltr"}


# --- the editors' form -----------------------------------------------------------------------------------


def option_slot_name(number: int) -> str:
    return f"option-{number}"


def question_text_node(language):
    return colander.SchemaNode(
        colander.String(), name=language, title=language_label(language), preparer=strip_text,
        validator=length(QUESTION_MAX),
        missing_msg=_("Write the question in ${language}.", mapping={"language": language_label(language)}),
        widget=deform.widget.TextAreaWidget(rows=2, attributes=language_attributes(language)),
    )


def option_slot(number, languages):
    """One option: its text in every language, all or none (a row left empty is no option)."""

    def complete(node, value):
        if any(value[language] for language in languages) and not all(value[language] for language in languages):
            error = colander.Invalid(node)
            for position, child in enumerate(node.children):
                if not value[child.name]:
                    error.add(colander.Invalid(child, _("Write this option in ${language} too.",
                                                        mapping={"language": language_label(child.name)})), position)
            raise error

    slot = colander.MappingSchema(
        name=option_slot_name(number),
        title=_("Option ${number}", mapping={"number": number}),
        validator=complete,
        widget=deform.widget.MappingWidget(template="survey_fieldset"),
    )
    for language in languages:
        slot.add(colander.SchemaNode(
            colander.String(), name=language, title=language_label(language), preparer=strip_text,
            validator=length(OPTION_MAX), missing="",
            widget=deform.widget.TextInputWidget(attributes=language_attributes(language)),
        ))
    return slot


def at_least_two_options(node, value):
    if len(filled_options(value)) < 2:
        raise colander.Invalid(node, _("A choice question needs at least two options."))


def filled_options(value) -> list[dict[str, str]]:
    """The options typed in the form's rows, in order, without the empty rows."""
    rows = [value[option_slot_name(number)] for number in range(1, OPTION_SLOTS + 1)]
    return [dict(row) for row in rows if any(row.values())]


def question_schema(kind: QuestionKind, languages: list[str]) -> colander.Schema:
    """A question of `kind`: whether it must be answered, its text in each language and, for the choice
    kinds, its options in each language."""
    schema = CSRFSchema()
    texts = colander.MappingSchema(name="text", title=_("The question"))
    for language in languages:
        texts.add(question_text_node(language))
    schema.add(texts)
    if kind.has_options:
        options = colander.MappingSchema(
            name="options", title=_("Options"), validator=at_least_two_options,
            description=_("At least two, at most ${count}, each in every language. Leave the rows you do not "
                          "need empty.", mapping={"count": OPTION_SLOTS}),
        )
        for number in range(1, OPTION_SLOTS + 1):
            options.add(option_slot(number, languages))
        schema.add(options)
    schema.add(colander.SchemaNode(
        colander.Boolean(), name="required", title=_("Answer required"), missing=False,
        label=_("Participants must answer this question"), widget=deform.widget.CheckboxWidget(),
    ))
    return schema


def question_appstruct(question: Question, languages: list[str]) -> dict:
    values = {"text": {language: question.texts.get(language, "") for language in languages},
              "required": question.required}
    if question.kind.has_options:
        values["options"] = {
            option_slot_name(number): {language: option.get(language, "") for language in languages}
            for number, option in enumerate(question.options, start=1)
        }
    return values


# --- the participant's form -------------------------------------------------------------------------------


def answer_name(question: Question) -> str:
    return f"q{question.id}"


def choice_values(question, language):
    return [(str(index), label) for index, label in enumerate(question.option_labels(language))]


def option_index(question):
    """A chosen option must be one of the question's (a forged index is refused, clearly)."""
    valid = {str(index) for index in range(len(question.options))}

    def validator(node, value):
        chosen = value if isinstance(value, set) else {value}
        if not chosen <= valid:
            raise colander.Invalid(node, NO_SUCH_OPTION)
        if question.required and not chosen:
            raise colander.Invalid(node, ANSWER_THIS)

    return validator


def answer_node(question: Question, number: int, language: str) -> colander.SchemaNode:
    title = f"{localize_digits(number, language)}. {question.text(language)}"
    common = {"name": answer_name(question), "oid": answer_name(question), "title": title,
              "missing_msg": ANSWER_THIS}
    if not question.required:
        common["missing"] = colander.drop
    if question.kind == QuestionKind.single_choice:
        return colander.SchemaNode(
            colander.String(), validator=option_index(question),
            widget=deform.widget.RadioChoiceWidget(values=choice_values(question, language)), **common,
        )
    if question.kind == QuestionKind.multiple_choice:
        return colander.SchemaNode(
            colander.Set(), validator=option_index(question), description=_("Choose all that apply."),
            widget=deform.widget.CheckboxChoiceWidget(values=choice_values(question, language),
                                                      template="survey_checkbox_choice"),
            **common,
        )
    if question.kind == QuestionKind.scale:
        values = [(str(value), localize_digits(value, language)) for value in SCALE]
        return colander.SchemaNode(
            colander.String(), validator=colander.OneOf([value for value, _label in values], msg_err=SCALE_ONLY),
            description=_("From 1 (lowest) to 5 (highest)."),
            widget=deform.widget.RadioChoiceWidget(values=values, inline=True), **common,
        )
    return colander.SchemaNode(
        colander.String(), validator=length(TEXT_ANSWER_MAX), preparer=strip_text,
        widget=deform.widget.TextInputWidget(attributes={"maxlength": str(TEXT_ANSWER_MAX)}), **common,
    )


def answer_schema(questions: list[Question], language: str) -> colander.Schema:
    """The participant's form: one field per question, labelled in their language (Persian when a text is
    missing in it)."""
    schema = CSRFSchema()
    for number, question in enumerate(questions, start=1):
        schema.add(answer_node(question, number, language))
    return schema


def answers_from_form(questions: list[Question], appstruct: dict) -> dict[str, object]:
    """The validated form as stored: {question id: option index | [indexes] | 1–5 | text}; questions left
    unanswered are absent."""
    answers = {}
    for question in questions:
        value = appstruct.get(answer_name(question), colander.null)
        if value in (colander.null, None, "") or value == set():
            continue
        if question.kind == QuestionKind.single_choice or question.kind == QuestionKind.scale:
            answers[str(question.id)] = int(value)
        elif question.kind == QuestionKind.multiple_choice:
            answers[str(question.id)] = sorted(int(index) for index in value)
        else:
            answers[str(question.id)] = value
    return answers


def form_from_answers(questions: list[Question], answers: dict[str, object]) -> dict:
    """A stored submission as the form's values, to revise it."""
    values = {}
    for question in questions:
        value = answers.get(str(question.id))
        if value is None:
            continue
        if question.kind == QuestionKind.multiple_choice:
            values[answer_name(question)] = {str(index) for index in value}
        else:
            values[answer_name(question)] = str(value)
    return values
