"""The clock's tick, for cron (e.g. every five minutes): closes every consultation whose end has passed.

    eparticipation-tick production.ini
"""

import argparse

from pyramid.paster import bootstrap, setup_logging

from eparticipation.consultations.services import tick


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            closed = tick(request)
            names = ", ".join(str(draft.id) for draft in closed) or "none"
    print(f"Closed {len(closed)} consultation(s) whose end had passed: {names}")


if __name__ == "__main__":
    main()
