"""The web server of an ini file's [server:main] (gunicorn in production.ini), serving its application.

    eparticipation-web production.ini

What `pserve production.ini` does, except that gunicorn's exit status reaches the caller: pserve turns every
exit into status 0, in the master (a refused start looks like success to systemd) and in each worker (gunicorn
reads a worker's status to tell a worker that cannot boot from one that stopped, and would start it again and
again).
"""

import argparse

import plaster


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv)
    loader = plaster.get_loader(args.config_uri, protocols=["wsgi"])
    loader.setup_logging()
    app = loader.get_wsgi_app()
    server = loader.get_wsgi_server()
    server(app)  # returns when the server stops; gunicorn exits through SystemExit with its status


if __name__ == "__main__":
    main()
