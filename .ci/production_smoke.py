"""The production smoke stage: the shipped production.ini, on PostgreSQL, walks one consultation through its life.

    .venv/bin/python .ci/production_smoke.py [--database-url URL] [--keep]

What runs is what an operator runs (README, "Production"): the migrations, the web server started from
production.ini, the tick, the report worker and the delivery worker, configured by environment variables
only. The ini file is used as shipped; its copy in a temporary folder differs only in the port it listens on
and in the folders it names (%(here)s spelled out, the uploaded files' folder). Fake SMTP and bot servers on
127.0.0.1 stand in for the outside world, and a small proxy in this script stands in for the TLS proxy in
front of the site (it says X-Forwarded-Proto: https, so the site's Secure cookies travel).

The consultation's thirty days pass for the tick alone: it runs under libfaketime 32 days ahead, as cron
would run it then, and ends the sessions that are over by then, so the staff sign in again (with their
authenticator's next code). Everything else happens now.

Fails (exit 1) on any 5xx answer, a report or a message that fails, an audit chain that does not verify, or a
step that does not do what a user expects.
"""

import argparse
import http.client
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate
import webtest

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.fakes import FakeBotAPI, FakeSMTP, free_port  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "smoke-pass-1405-long"
PUBLIC_HOST = "participation.example.ir"
BALE_CHAT = 424242


class Failed(Exception):
    """A step did not do what it should."""


def check(condition, message):
    if not condition:
        raise Failed(message)


def step(title):
    print(f"-- {title}", flush=True)


# --- the deployment -----------------------------------------------------------------------------------


def fresh_database(url: str, create: bool = True):
    """Drop and create the smoke stage's own database (from the server's `postgres` database)."""
    target = sa.engine.make_url(url)
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        if create:
            connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    engine.dispose()


def drop_database(url: str):
    fresh_database(url, create=False)


def database_roles(url: str, site: str | None = None) -> tuple[str, str]:
    """deploy/postgresql-roles.sql run by the superuser, as README's "Database roles" says: the URLs of the
    owner (migrations, backups, restores) and of the application's role (web, workers, tick), which owns
    nothing. The roles are named after the site's database (`site`, by default the URL's)."""
    target = sa.engine.make_url(url)
    site = site or target.database
    owner, app = f"{site}_owner", f"{site}_app"
    command = ["psql", "-q", "-h", target.host or "127.0.0.1", "-U", target.username or "postgres", "-d", target.database,
               "-v", f"owner={owner}", "-v", f"app={app}", "-f", str(PROJECT / "deploy" / "postgresql-roles.sql")]
    done = subprocess.run(command, capture_output=True, text=True)
    check(done.returncode == 0, f"deploy/postgresql-roles.sql failed:\n{done.stdout}{done.stderr}")
    as_role = lambda role: target.set(username=role).render_as_string(hide_password=False)  # noqa: E731
    return as_role(owner), as_role(app)


def production_ini_copy(folder: Path, port: int) -> Path:
    """production.ini with only its port and its folders changed; anything else would not be a smoke test of
    the shipped file."""
    shipped = (PROJECT / "production.ini").read_text(encoding="utf-8")
    text = shipped.replace("%(here)s", str(PROJECT))
    text, listens = re.subn(r"(?m)^(listen|bind)\s*=.*$", rf"\1 = 127.0.0.1:{port}", text)
    text, files = re.subn(r"(?m)^eparticipation\.files_dir\s*=.*$", f"eparticipation.files_dir = {folder / 'files'}",
                          text)
    check(listens == 1 and files == 1, "production.ini no longer has one listen/bind line and one files_dir line")
    changed = [line for line in text.splitlines() if line not in shipped.splitlines()]
    check(all(str(PROJECT) in line or str(port) in line or str(folder) in line for line in changed),
          f"the copy of production.ini differs in more than ports and folders: {changed}")
    path = folder / "production.ini"
    path.write_text(text, encoding="utf-8")
    return path


def environment(smtp: FakeSMTP, bale: FakeBotAPI, eitaa: FakeBotAPI, folder: Path) -> dict:
    """What production.ini asks of the environment (but the database), pointed at the fakes."""
    env = dict(os.environ, PYTHONWARNINGS="ignore:pkg_resources is deprecated:UserWarning")
    key = subprocess.run([str(BIN / "eparticipation-audit-checkpoints"), "new-key"], capture_output=True, text=True,
                         check=True).stdout
    env.update({
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "AUDIT_SIGNING_KEY": re.search(r"AUDIT_SIGNING_KEY=(\S+)", key).group(1),
        "SESSION_SECRET": secrets.token_urlsafe(48),
        "SITE_URL": f"https://{PUBLIC_HOST}",  # the links the tick and the workers write
        "MESSAGING_EMAIL_HOST": "127.0.0.1",
        "MESSAGING_EMAIL_PORT": str(smtp.port),
        "MESSAGING_EMAIL_STARTTLS": "false",  # the fake speaks plain SMTP on loopback
        "MESSAGING_EMAIL_PASSWORD": smtp.password,
        "MESSAGING_BALE_BASE_URL": bale.base_url,
        "MESSAGING_BALE_TOKEN": "bale-smoke-token",
        "MESSAGING_BALE_WEBHOOK_SECRET": secrets.token_urlsafe(16),
        "MESSAGING_EITAA_BASE_URL": eitaa.base_url,
        "MESSAGING_EITAA_TOKEN": "eitaa-smoke-token",
    })
    return env


def run(command: list, env: dict, faketime: str | None = None, expect_status: int = 0) -> str:
    """Run one of the operator's commands; its output, or Failed with it when it exits otherwise."""
    if faketime:
        command = ["faketime", faketime, *command]
    done = subprocess.run(command, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    print("   $ " + " ".join(str(part) for part in command) + "\n" + indent(output), flush=True)
    check(done.returncode == expect_status, f"{command[0]} exited {done.returncode}, not {expect_status}")
    return output


def indent(text: str) -> str:
    return "\n".join("     " + line for line in text.strip().splitlines()[-25:])


class WebServer:
    """The web server as the operator starts it, in its own process group."""

    def __init__(self, ini: Path, port: int, env: dict, log: Path):
        self.ini, self.port, self.env, self.log = ini, port, env, log

    def __enter__(self):
        self.log_file = open(self.log, "w")
        self.process = subprocess.Popen([str(BIN / "eparticipation-web"), str(self.ini)], env=self.env, cwd=PROJECT,
                                        stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            check(self.process.poll() is None, f"the web server stopped:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.3)
        raise Failed(f"the web server did not answer within 60 s:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            status = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise Failed("the web server did not stop within 60 s of SIGTERM")
        finally:
            self.log_file.close()
        check(status == 0 or exc[0] is not None, f"the web server exited {status} after SIGTERM")


class TLSProxy:
    """A WSGI application that forwards each request to the web server over loopback, as the TLS proxy in front
    of the site does (X-Forwarded-For, -Proto, -Host), and fails on any 5xx answer."""

    def __init__(self, port: int):
        self.port = port
        self.requests = 0

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        path = urllib.request.quote(path.encode("latin-1"), safe="/:@!$&'()*+,;=-._~%")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
                   if key.startswith("HTTP_") and key not in ("HTTP_HOST",)}
        headers.update({"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7",
                        "X-Forwarded-Host": PUBLIC_HOST})
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            headers.setdefault("Origin", f"https://{PUBLIC_HOST}")  # as every browser sends on a POST
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        self.requests += 1
        if response.status >= 500:
            raise Failed(f"{environ['REQUEST_METHOD']} {path} answered {response.status}:\n"
                         f"{content[:2000].decode('utf-8', 'replace')}")
        if response.getheader("X-Request-ID") is None:
            raise Failed(f"{environ['REQUEST_METHOD']} {path} answered without an X-Request-ID")
        start_response(f"{response.status} {response.reason}",
                       [(name, value) for name, value in response.getheaders()
                        if name.lower() not in ("transfer-encoding", "connection")])
        return [content]


def browser(proxy: TLSProxy) -> "Visitor":
    return Visitor(proxy, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": PUBLIC_HOST})


class Visitor(webtest.TestApp):
    """One person's browser: its own cookies."""

    authenticator = None  # pyotp.TOTP of the key this person set up, once they have
    used_step = None

    def sign_in(self, email):
        form = self.get("/login").forms["login"]
        form["email"], form["password"] = email, PASSWORD
        page = form.submit("login", status=303).follow()
        if page.request.path == "/login-code":
            page = self.enter_code(email, page)
        check("/login" not in page.request.path, f"{email} could not sign in")
        if page.request.path == "/me/security/enrol":
            self.set_up_authenticator(email, page)
        return self

    def current_code(self) -> str:
        """The app's code now; a code counts once, so one used already means waiting for the next (≤ 30 s)."""
        while self.authenticator.timecode(datetime.now()) == self.used_step:
            time.sleep(1)
        self.used_step = self.authenticator.timecode(datetime.now())
        return self.authenticator.now()

    def enter_code(self, email, page):
        check(self.authenticator is not None, f"{email} is asked for a code but set up no authenticator")
        form = page.forms["login-code"]
        form["code"] = self.current_code()
        return form.submit("verify", status=303).follow()

    def set_up_authenticator(self, email, page):
        """Staff hold no role until they set up a second factor (production.ini requires it): as a person does,
        from the key the page writes out and a code computed from it."""
        secret = page.html.select_one("#secret-key").text.replace(" ", "")
        self.authenticator = pyotp.TOTP(secret)
        form = page.forms["enrol"]
        form["code"] = self.current_code()
        page = form.submit("enrol", status=200)
        check(len(page.html.select("#recovery-codes code")) == 10, f"{email} got no recovery codes on enrolment")

    def csrf_token(self, path="/me"):
        return self.get(path).forms[0]["csrf_token"].value


def fake_smtp_with_password() -> FakeSMTP:
    """The fake SMTP server, asking for the password production.ini's username signs in with."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    # On loopback the password travels in the clear; aiosmtpd says so once per connection.
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    warnings.filterwarnings("ignore", "Session.login_data is deprecated")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    smtp = FakeSMTP()
    smtp.password = secrets.token_urlsafe(12)

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password.decode() == smtp.password)

    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                                 auth_require_tls=False, auth_required=True)
    return smtp


# --- the consultation's life, over HTTP ---------------------------------------------------------------


CITIZENS = [
    # e-mail, name, gender, province, category, the comment
    ("citizen1@smoke.example", "زهرا رضایی", "female", "IR-23", "individual",
     "مهلت سی روزه برای ثبت اعتراض کافی نیست و باید به شصت روز افزایش یابد."),
    ("citizen2@smoke.example", "Ali Karimi", "male", "IR-07", "private_sector",
     "Article 2 should say which office answers the request, and within how many days."),
    ("citizen3@smoke.example", "سارا محمدی", "female", "IR-10", "ngo",
     "سازمان‌های مردم‌نهاد هم باید بتوانند به نمایندگی از اعضای خود نظر بدهند."),
]


def confirmation_link(database_url: str, email) -> str:
    """The path of the link the site wrote to the outbox to confirm `email` (as the person's mailbox would show)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            link = connection.execute(sa.text(
                "SELECT link FROM outbox_messages WHERE address = :email AND key LIKE 'account:verify-email:%' "
                "ORDER BY id DESC LIMIT 1"), {"email": email}).scalar()
    finally:
        engine.dispose()
    check(link is not None, f"no link to confirm {email} was sent")
    return "/" + link.split("/", 3)[3]


def register(visitor: Visitor, database_url, email, name, gender="female", province="IR-23", category="individual"):
    """Registration signs nobody in: the person opens the link sent to their address, which does."""
    form = visitor.get("/register").forms["register"]
    for field, value in {"email": email, "password": PASSWORD, "password-confirm": PASSWORD, "display_name": name,
                         "birth_year": "1365", "gender": gender, "residence": province,
                         "stakeholder_category": category}.items():
        form[field] = value
    page = form.submit("register", status=303).follow()
    check(page.request.path == "/registered", f"registering {email} did not lead to the check-your-mailbox page")
    page = visitor.get(confirmation_link(database_url, email)).forms["verify-email"].submit("confirm", status=303)
    page = page.follow()
    check(page.request.path == "/me", f"confirming {email} did not lead to the account page")
    return visitor


def user_id(admin: Visitor, email) -> str:
    page = admin.get("/admin/users/", {"q": email})
    links = [a["href"] for a in page.html.select("a[href*='/admin/users/']") if re.search(r"/admin/users/\d+$", a["href"])]
    check(len(links) == 1, f"the admin's user list does not find exactly one {email}: {links}")
    return links[0].rsplit("/", 1)[1]


def grant(admin: Visitor, email, role, agency_id):
    form = admin.get(f"/admin/users/{user_id(admin, email)}").forms["grant"]
    form["role"], form["agency_id"] = role, agency_id
    form.submit("grant", status=303)


def set_texts(form, texts: dict):
    """A form with a title, summary and call per language, in the order of the languages' mappings."""
    for index, language in enumerate(("fa", "en")):
        for field in ("title", "summary", "call"):
            form.set(field, texts[language][field], index=index)


DRAFT_TEXTS = {
    "fa": {"title": "دستورالعمل آزمون دود مشارکت عمومی",
           "summary": "پیش‌نویسی برای آزمودن همه مراحل نظرخواهی در پیکربندی تولید.",
           "call": "از همه شهروندان، سازمان‌های مردم‌نهاد و بخش خصوصی دعوت می‌شود نظر خود را بیان کنند."},
    "en": {"title": "Directive on the public participation smoke test",
           "summary": "A draft that walks every step of a consultation in the production configuration.",
           "call": "Citizens, NGOs and the private sector are invited to comment."},
}
ORIGINAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ARTICLES = ["هر شهروند می‌تواند ظرف سی روز از ابلاغ تصمیم اعتراض کند.",
            "دستگاه مکلف است به هر اعتراض پاسخ مستدل بدهد."]


def walk_a_consultation(proxy: TLSProxy, run_command, env: dict) -> dict:
    step("people register; the first administrator is granted from the command line")
    database_url = env["DATABASE_URL"]
    admin = register(browser(proxy), database_url, "admin@smoke.example", "مدیر سامانه")
    run_command(["eparticipation-grant", "admin@smoke.example", "admin"])
    admin.sign_in("admin@smoke.example")
    editor = register(browser(proxy), database_url, "editor@smoke.example", "ویراستار دفتر حقوقی")
    coordinator = register(browser(proxy), database_url, "coordinator@smoke.example", "هماهنگ‌کننده روابط عمومی")
    citizens = [register(browser(proxy), database_url, email, name, gender, province, category)
                for email, name, gender, province, category, _ in CITIZENS]

    step("the administrator adds the agency and its drafting unit, and grants the agency's roles")
    form = admin.get("/agencies/add").forms["agency"]
    form["code"], form["name_fa"], form["name_en"] = "smoke", "سازمان آزمون دود", "Smoke Test Administration"
    agency_page = form.submit("add", status=303).follow()
    check(agency_page.request.path.rstrip("/") == "/agencies/smoke", "the new agency's page is not /agencies/smoke")
    form = admin.get("/agencies/smoke/add-unit").forms["unit"]
    form["kind"], form["name_fa"], form["name_en"] = "drafting", "دفتر حقوقی", "Legal Office"
    form.submit("add", status=303)
    agency_id = admin.get(f"/admin/users/{user_id(admin, 'editor@smoke.example')}").forms["grant"]["agency_id"]
    agency_id = next(value for value, _, text in agency_id.options if "Smoke" in text or "آزمون" in text)
    grant(admin, "editor@smoke.example", "editor", agency_id)
    grant(admin, "coordinator@smoke.example", "coordinator", agency_id)
    editor.sign_in("editor@smoke.example")
    coordinator.sign_in("coordinator@smoke.example")

    step("the editor writes the draft, its articles and its survey")
    form = editor.get("/agencies/smoke/new-draft").forms["draft"]
    form["document_type"] = "directive"
    form["drafting_unit_id"] = form["drafting_unit_id"].options[-1][0]
    set_texts(form, DRAFT_TEXTS)
    draft_page = form.submit("add", status=303).follow()
    draft_path = re.match(r"^/consultations/\d+/", draft_page.request.path).group(0)
    for number, text in enumerate(ARTICLES, start=1):
        form = editor.get(draft_path + "articles/add").forms["article"]
        form["number"], form["text"] = str(number), text
        form.submit("add", status=303)
    form = editor.get(draft_path + "attach").forms["attach"]
    form["upload"] = webtest.Upload("directive.pdf", ORIGINAL_PDF)
    form.submit("attach", status=303)
    form = editor.get(draft_path + "survey/questions/add?kind=single_choice").forms["question"]
    for index, (fa, en) in enumerate([("آیا مهلت سی روزه کافی است؟", "Is thirty days long enough?"),
                                      ("بله", "Yes"), ("خیر", "No")]):
        form.set("fa", fa, index=index)
        form.set("en", en, index=index)
    form["required"] = True
    form.submit("add", status=303)

    step("the coordinator opens the consultation for thirty days from today (Jalali dates, the Persian form)")
    form = coordinator.get(draft_path + "open").forms["transition"]
    # The site's calendar is Tehran's: from 20:30 UTC it is already tomorrow there.
    today = datetime.now(ZoneInfo("Asia/Tehran")).date()
    form["start"], form["end"] = (JalaliDate(day).strftime("%Y/%m/%d") for day in (today, today + timedelta(days=31)))
    form.submit("confirm", status=303)
    check("consultation" in editor.get(draft_path + "history").text, "the history does not show the opening")

    step("citizens comment, vote, answer the survey and link a messenger")
    for visitor, (email, *_, body) in zip(citizens, CITIZENS):
        visitor.sign_in(email)
        form = visitor.get(draft_path + "comments/add?article=1").forms["comment"]
        form["body"] = body
        form.submit("send", status=303)
        visitor.post(draft_path + "votes/", {"csrf_token": visitor.csrf_token(), "choice": "oppose"}, status=303)
        form = visitor.get(draft_path + "survey/").forms["survey"]
        form.set(next(name for name in form.fields if name.startswith("q")), "1")
        form.submit("send", status=303)
    page = citizens[0].get("/me/messengers")
    form = next(form for form in page.forms.values() if "messenger" in form.fields
                and form["messenger"].value == "bale"
                and any(button.value_if_submitted() == "code" for button in form.fields.get("action", ())))
    page = form.submit("action", status=303).follow()
    code = re.search(r"/start (\w+)", page.html.find(id="messenger-bale").get_text()).group(1)
    update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": BALE_CHAT, "type": "private"},
                                          "text": f"/start {code}"}}
    linked = browser(proxy).post_json(f"/hooks/bale/{env['MESSAGING_BALE_WEBHOOK_SECRET']}", update).json
    check(linked == {"ok": True, "linked": True}, f"the bot's webhook did not link the chat: {linked}")
    tally = citizens[0].get(draft_path + "votes/").json["tally"]
    check(tally.get("oppose") == len(CITIZENS), f"the tally is not {len(CITIZENS)} oppose: {tally}")
    return {"draft_path": draft_path, "admin": admin, "editor": editor, "coordinator": coordinator,
            "citizens": citizens}


def close_report_respond_publish(proxy: TLSProxy, run_command, people: dict):
    draft_path, editor, coordinator = people["draft_path"], people["editor"], people["coordinator"]

    step("the tick closes the consultation once its end has passed (run as cron would, 32 days from now)")
    output = run_command(["eparticipation-tick"], faketime="+32 days")
    check("Closed 1 consultation" in output, "the tick did not close the consultation")
    step("32 days on, the sessions of the first day are over too (the tick deleted them): the staff sign in again")
    check(re.search(r"Deleted [1-9]\d* session", output) is not None, "the tick deleted no session that was over")
    for person, email in ((people["admin"], "admin@smoke.example"), (editor, "editor@smoke.example"),
                          (coordinator, "coordinator@smoke.example")):
        person.get("/me/", status=403)
        person.sign_in(email)

    step("the report worker builds the report with production.ini's report.concurrent = true")
    output = run_command(["eparticipation-reports", "--once"])
    check("Built 1 report" in output, "the report worker did not build one report")
    page = editor.get(draft_path + "report/")
    check(page.html.find(string=re.compile("failed|ناموفق|شکست")) is None, "the report page says its build failed")

    step("the editors answer every comment, curate and finalise the report")
    page = editor.get(draft_path + "responses/?all=1")
    comment_ids = [field._value for field in page.forms["respond"].fields["comment"]]
    check(len(comment_ids) == len(CITIZENS), f"the responses page offers {len(comment_ids)} comments, not {len(CITIZENS)}")
    decisions = [("accepted", "", ""), ("partially_accepted", "قانون مدیریت خدمات کشوری", "ماده ۸"),
                 ("rejected", "قانون تشکیل سازمان‌های مردم‌نهاد", "ماده ۲")]
    for comment_id, (decision, law, article) in zip(comment_ids, decisions):
        token = editor.get(draft_path + "responses/?all=1").forms["respond"]["csrf_token"].value
        editor.post(draft_path + "responses/", [
            ("csrf_token", token), ("comment", comment_id), ("decision", decision),
            ("reason", "دلیل مستند این تصمیم در گزارش آمده است."), ("legal_basis_law", law),
            ("legal_basis_article", article), ("respond", "respond")], status=303)
    form = editor.get(draft_path + "report/curate").forms["curate"]
    form["fa"], form["en"] = "مهلت اعتراض و پاسخ‌گویی دستگاه‌ها نگرانی اصلی بود.", "Deadlines were the main concern."
    form.submit("save", status=303)
    editor.post(draft_path + "report/finalise", {"csrf_token": editor.csrf_token()}, status=303)

    step("the coordinator publishes the outcome")
    coordinator.get(draft_path + "publish").forms["transition"].submit("confirm", status=303)
    visitor = browser(proxy)
    outcome = visitor.get(draft_path + "outcome")
    check("دلیل مستند" in outcome.text, "the public outcome page does not show the responses")
    check(visitor.get(draft_path + "original").body == ORIGINAL_PDF, "the draft's original document is not served")
    for name in ("report/", "report/report.json", "report/tables.csv", "report/comments.csv"):
        visitor.get(draft_path + name, status=200)
    pdf = visitor.get(draft_path + "report/report.pdf", status=200)
    check(pdf.body.startswith(b"%PDF"), "the report's PDF is not a PDF")


def deliver_and_verify(proxy: TLSProxy, run_command, people: dict, smtp: FakeSMTP, bale: FakeBotAPI,
                       folder: Path):
    step("the delivery worker sends the outbox to the SMTP server and the bot platform")
    run_command(["eparticipation-deliver", "--once"])
    told = {address for envelope in smtp.messages for address in envelope.rcpt_tos}
    everyone = {email for email, *_ in CITIZENS}
    check(everyone <= told, f"the outcome did not reach every participant by e-mail: {sorted(everyone - told)}")
    to_bale = [fields for fields in bale.accepted if str(fields.get("chat_id")) == str(BALE_CHAT)]
    check(len(to_bale) >= 2, f"Bale received {len(to_bale)} messages for the linked chat, not the link's and the outcome's")
    page = people["admin"].get("/admin/outbox?_LOCALE_=en")
    table = page.html.find("table")
    statuses = [cell.get_text(strip=True) for cell in table.select("thead th")][1:]
    for row in table.select("tbody tr"):
        counts = dict(zip(statuses, (int(cell.get_text(strip=True).replace(",", "")) for cell in row.select("td"))))
        check(counts.pop("Sent", 0) > 0 and not any(counts.values()),
              f"{row.th.get_text(strip=True)} messages are not all sent: {counts}")

    step("the audit chain verifies, against the checkpoints an auditor mirrored from the site")
    run_command(["eparticipation-audit-checkpoints"], subcommand="sign")  # cron, hourly
    visitor = browser(proxy)
    mirror = folder / "mirror"
    mirror.mkdir()
    (mirror / "checkpoints.json").write_bytes(visitor.get("/audit/checkpoints").body)
    (mirror / "public-key.pem").write_bytes(visitor.get("/audit/checkpoints/public-key.pem").body)
    output = run_command(["eparticipation-audit-verify", "--checkpoints", str(mirror / "checkpoints.json"),
                          "--public-key", str(mirror / "public-key.pem")])
    check("verifies" in output and re.search(r"It holds against [1-9]\d* signed checkpoint", output),
          "the audit chain does not verify against its signed checkpoints")


def observe(port: int, proxy: TLSProxy):
    """What the operator's monitoring reads: readiness, and the metrics (from 127.0.0.1 only)."""
    step("the load balancer's health checks and the operator's metrics")
    for path in ("/health/live", "/health/ready"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            check(answer.status == 200, f"{path} answered {answer.status}")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        metrics = answer.read().decode()
    served = sum(float(value) for value in re.findall(r'(?m)^eparticipation_http_requests_total\{[^}]*\} (\S+)$',
                                                       metrics))
    errors = re.findall(r'(?m)^eparticipation_http_requests_total\{[^}]*status="5xx"[^}]*\} ([1-9]\S*)$', metrics)
    check(served >= proxy.requests * 0.9, f"/metrics counts {served:.0f} requests of the {proxy.requests} sent")
    check(not errors, "/metrics counts 5xx answers")
    dead = re.findall(r'(?m)^eparticipation_outbox_dead_letters\{[^}]*\} ([1-9]\S*)$', metrics)
    check(not dead, "/metrics counts dead letters")
    print(f"   /metrics: {served:.0f} requests served, none 5xx; no dead letter", flush=True)


def back_up_and_drill(run_command, env: dict, folder: Path, database_url: str, owner_url: str):
    step("a nightly backup by the owner, restored into a new database and files folder (the drill)")
    # The application's role may not read the sequences' positions, which pg_dump saves.
    output = run_command(["eparticipation-backup", str(folder / "backups")], env=dict(env, DATABASE_URL=owner_url))
    backup = re.search(r"Backup written to (\S+?):", output).group(1)
    drill_url = database_url + "_drill"
    fresh_database(drill_url)
    drill_owner, _ = database_roles(drill_url, site=sa.engine.make_url(database_url).database)
    try:  # restored by the owner: the application's role may create nothing
        run_command(["eparticipation-restore", backup, "--files-dir", str(folder / "drill-files")],
                    env=dict(env, DATABASE_URL=drill_owner))
    finally:
        drop_database(drill_url)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1/eparticipation_smoke",
                        help="a database of the smoke stage's own: it is dropped and created again")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (ini copy, logs, files)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="eparticipation-smoke-"))
    started = time.monotonic()
    server_log = folder / "web.log"
    try:
        fresh_database(args.database_url)
        with fake_smtp_with_password() as smtp, FakeBotAPI() as bale, FakeBotAPI(form_encoded=True) as eitaa:
            port = free_port()
            ini = production_ini_copy(folder, port)
            env = environment(smtp, bale, eitaa, folder)
            (folder / "metrics").mkdir()

            def run_command(command, env=env, subcommand=None, **options):
                """`<command> [<subcommand>] <ini> <arguments>`, as the README writes them."""
                return run([str(BIN / command[0]), *filter(None, [subcommand]), str(ini), *command[1:]], env,
                           **options)

            step("the database roles, the migrations as the owner, the roles again (README, Database roles)")
            owner_url, env["DATABASE_URL"] = database_roles(args.database_url)
            run([str(BIN / "alembic"), "-c", str(ini), "upgrade", "head"], dict(env, DATABASE_URL=owner_url))
            database_roles(args.database_url)
            with WebServer(ini, port, env, server_log):
                proxy = TLSProxy(port)
                people = walk_a_consultation(proxy, run_command, env)
                close_report_respond_publish(proxy, run_command, people)
                deliver_and_verify(proxy, run_command, people, smtp, bale, folder)
                observe(port, proxy)
            back_up_and_drill(run_command, env, folder, args.database_url, owner_url)
        print(f"The production smoke stage passed in {time.monotonic() - started:.0f} s.")
        return 0
    except Exception as failure:  # noqa: BLE001 - whatever failed, say it with the server's log
        print(f"PRODUCTION SMOKE FAILED: {type(failure).__name__}: {failure}", file=sys.stderr)
        traceback.print_exc()
        if server_log.exists():
            print("-- the web server's last lines:\n" + indent(server_log.read_text()), file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
