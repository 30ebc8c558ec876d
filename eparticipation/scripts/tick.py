"""The clock's tick, for cron (e.g. every five minutes): closes every consultation whose end has passed, and
deletes the rate counters whose windows have ended, the sessions that are over and the one-time links that ended a
month ago; then runs the tasks the domains registered (`config.add_tick_task`, eparticipation/tasks.py).

    eparticipation-tick production.ini
"""

import argparse

from pyramid.paster import setup_logging

from eparticipation import ratelimits
from eparticipation.accounts import sessions, tokens
from eparticipation.consultations.services import tick
from eparticipation.scripts import bootstrap
from eparticipation.tasks import tick_tasks


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
            forgotten = ratelimits.forget_ended(request.dbsession, request.registry.settings, request.now)
            ended = sessions.forget_ended(request.dbsession, request.registry.settings, request.now)
            links = tokens.forget_ended(request.dbsession, request.now)
            lines = [task(request) for _, task in tick_tasks(request.registry)]
    print(f"Closed {len(closed)} consultation(s) whose end had passed: {names}")
    print(f"Deleted {forgotten} rate counter(s) whose window had ended")
    print(f"Deleted {ended} session(s) past their idle timeout or lifetime")
    print(f"Deleted {links} one-time link(s) that ended over a month ago")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
