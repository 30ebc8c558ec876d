"""Give every untranslated message of an English catalogue its msgid (the source text is English).

    python -m eparticipation.scripts.fill_english_catalogue locale/en/LC_MESSAGES/*.po
"""

import sys

from babel.messages.pofile import read_po, write_po


def fill(path):
    with open(path, "rb") as po:
        catalogue = read_po(po, locale="en")
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = message.id
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as po:
        write_po(po, catalogue, width=100)


def main(argv=None):
    for path in (argv if argv is not None else sys.argv[1:]):
        fill(path)


if __name__ == "__main__":
    main()
