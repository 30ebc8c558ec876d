"""Fills a PostgreSQL database with one large finished consultation, for the report's benchmarks.

One agency, one published draft (20 consulted articles) whose consultation ran through September 2026 (UTC),
240,000 people with realistic profiles, 1,000,000 comments from the first 200,000 of them (Persian sentences
around six concerns, some campaigns, 1 % hidden and 1 % withdrawn), supports, votes, a six-question survey with
its answers, service ratings in and out of the consultation, and a response to every visible comment. Rows
are made by PostgreSQL itself (INSERT … SELECT generate_series) in a few minutes; random() is seeded, so
two runs make the same data (parallel plans aside).

Usage: .venv/bin/python bench/report_data.py [--database-url URL] [--comments N] [--people N] [--authors N]

Not a test: the name has no test_ prefix and the file lives outside tests/. See bench/README.md.
"""

import argparse
import sys
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.draft_page import ensure_database, rebuild_schema  # noqa: E402
from eparticipation.accounts.models import Role, RoleGrant, User  # noqa: E402
from eparticipation.accounts.services import hash_password  # noqa: E402
from eparticipation.agencies.models import Agency, Unit, UnitKind  # noqa: E402
from eparticipation.consultations.models import (  # noqa: E402
    Article,
    ConsultedArticle,
    DocumentType,
    Draft,
    DraftText,
    State,
)
from eparticipation.db import get_engine  # noqa: E402
from eparticipation.feedback.models import Service, rating_period  # noqa: E402
from eparticipation.geography import provinces  # noqa: E402
from eparticipation.participation.services import fingerprint  # noqa: E402
from eparticipation.surveys.models import Question, QuestionKind, Survey  # noqa: E402
from eparticipation.text import _TABLE, normalise  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_report_bench"
PASSWORD = "bench-pass-1405"
AGENCY_CODE = "report-bench"
OPENS = datetime(2026, 9, 1, 4, 30, tzinfo=timezone.utc)
CLOSES = datetime(2026, 10, 1, 20, 30, tzinfo=timezone.utc)
ARTICLES = 20
SEED = 0.1405

# Population of the provinces (2016 census, thousands): where participants live.
POPULATION = {
    "Markazi": 1429, "Gilan": 2531, "Mazandaran": 3284, "East Azerbaijan": 3910, "West Azerbaijan": 3265,
    "Kermanshah": 1952, "Khuzestan": 4711, "Fars": 4852, "Kerman": 3165, "Razavi Khorasan": 6434,
    "Isfahan": 5121, "Sistan and Baluchestan": 2775, "Kurdistan": 1603, "Hamadan": 1738,
    "Chaharmahal and Bakhtiari": 947, "Lorestan": 1761, "Ilam": 580, "Kohgiluyeh and Boyer-Ahmad": 713,
    "Bushehr": 1163, "Zanjan": 1057, "Semnan": 702, "Yazd": 1138, "Hormozgan": 1776, "Tehran": 13268,
    "Ardabil": 1271, "Qom": 1292, "Qazvin": 1274, "Golestan": 1869, "North Khorasan": 863, "South Khorasan": 768,
    "Alborz": 2712,
}
# (share of people, value); the rest of each list's share is NULL (never answered).
AGE_BANDS = [(0.02, 15, 3), (0.14, 18, 7), (0.27, 25, 10), (0.24, 35, 10), (0.15, 45, 10), (0.08, 55, 10),
             (0.04, 65, 20)]  # (share, lowest age, width); 6 % NULL
GENDERS = [(0.38, "female"), (0.50, "male"), (0.06, "undisclosed")]  # 6 % NULL
CATEGORIES = [(0.68, "individual"), (0.08, "academic"), (0.05, "ngo"), (0.11, "private_sector"),
              (0.04, "government"), (0.02, "other")]  # 2 % NULL
RESIDENCE_ELSEWHERE = [(0.02, "abroad"), (0.04, "undisclosed")]  # and 3 % NULL; the rest by population

# Comments: six concerns (share of the ordinary comments), each with openings, details and proposals; the same
# number of each per concern so that the choices index one flat array.
CONCERNS = [
    (0.25, "deadline", [
        "مهلت شش ماهه برای اجرای این آیین نامه بسیار کوتاه است",
        "زمان بندی اجرای این مقررات با واقعیت کسب و کارها سازگار نیست",
        "اجرای فوری این ماده برای بسیاری از واحدها ممکن نیست",
        "فرصت در نظر گرفته شده برای آماده سازی سامانه ها کافی نیست",
        "تاریخ لازم الاجرا شدن این مصوبه عجولانه تعیین شده است",
    ], [
        "بسیاری از واحدهای تولیدی هنوز زیرساخت لازم را ندارند",
        "آموزش کارکنان دست کم یک سال زمان می برد",
        "تامین تجهیزات و نرم افزار در این مدت شدنی نیست",
        "در شهرستان ها دسترسی به خدمات مشاوره محدود است",
        "تجربه مقررات مشابه نشان داد که مهلت کوتاه به تخلف گسترده می انجامد",
        "پایان سال مالی با آغاز اجرا همزمان شده است",
        "پیمانکاران طرف قرارداد نیز باید فرصت تطبیق داشته باشند",
        "دستگاه ناظر هنوز دستورالعمل اجرایی را منتشر نکرده است",
    ], [
        "پیشنهاد می شود اجرای آن دست کم یک سال به تعویق افتد",
        "بهتر است اجرا به صورت مرحله ای و از واحدهای بزرگ آغاز شود",
        "خواهشمندیم یک دوره آزمایشی شش ماهه پیش بینی شود",
        "لطفا مهلت را به پایان سال آینده تمدید کنید",
        "پیشنهاد می کنم برای واحدهای کوچک مهلت جداگانه ای تعیین شود",
    ]),
    (0.20, "cost", [
        "هزینه اجرای این مقررات برای کسب و کارهای کوچک سنگین است",
        "این ماده بار مالی تازه ای بر دوش تولیدکنندگان می گذارد",
        "عوارض پیش بینی شده در این بند منصفانه نیست",
        "جریمه های تعیین شده با درآمد واحدهای کوچک تناسب ندارد",
        "هزینه های انطباق با این آیین نامه در متن برآورد نشده است",
    ], [
        "بسیاری از مغازه داران با زیان کار می کنند",
        "تورم بالا توان پرداخت هزینه های تازه را گرفته است",
        "خرید سامانه و نگهداری آن هر سال هزینه دارد",
        "استخدام نیروی متخصص برای واحدهای خانوادگی ممکن نیست",
        "این هزینه در نهایت به مصرف کننده منتقل می شود",
        "رقابت با واردات با این هزینه ها دشوارتر می شود",
        "تسهیلات بانکی برای این منظور در دسترس نیست",
        "بخش بزرگی از اشتغال کشور در همین واحدهای کوچک است",
    ], [
        "پیشنهاد می شود واحدهای زیر ده نفر معاف شوند",
        "بهتر است بخشی از هزینه ها از محل بودجه عمومی پرداخت شود",
        "خواهشمندیم جریمه ها پلکانی و متناسب با درآمد تعیین شود",
        "لطفا برای خرید تجهیزات تسهیلات کم بهره پیش بینی کنید",
        "پیشنهاد می کنم پیش از تصویب برآورد هزینه منتشر شود",
    ]),
    (0.18, "definitions", [
        "تعریف مودی در این ماده روشن نیست",
        "واژه های به کار رفته در این بند چند معنا دارند",
        "معلوم نیست منظور از فعالیت اقتصادی دقیقا چیست",
        "دامنه شمول این مقررات به روشنی تعیین نشده است",
        "عبارت سایر موارد به تشخیص سازمان بسیار مبهم است",
    ], [
        "این ابهام به تفسیرهای متفاوت در شهرهای گوناگون می انجامد",
        "کارشناسان هر اداره برداشت خود را اعمال خواهند کرد",
        "مشخص نیست اشخاص حقوقی غیرتجاری مشمول می شوند یا نه",
        "تبصره این ماده با متن اصلی آن هماهنگ نیست",
        "در متن انگلیسی و فارسی تعریف ها یکسان نیستند",
        "مرز میان فعالیت شخصی و تجاری روشن نشده است",
        "ابهام در متن زمینه ساز فساد اداری است",
        "دادگاه ها نیز در تفسیر این عبارت دچار مشکل خواهند شد",
    ], [
        "پیشنهاد می شود یک ماده تعاریف به ابتدای متن افزوده شود",
        "بهتر است فهرست دقیق مشمولان در پیوست آورده شود",
        "خواهشمندیم عبارت سایر موارد حذف شود",
        "لطفا با ذکر مثال دامنه شمول را روشن کنید",
        "پیشنهاد می کنم تعریف ها با قانون مادر یکسان شود",
    ]),
    (0.15, "appeal", [
        "سازوکاری برای اعتراض به تصمیم سازمان پیش بینی نشده است",
        "شهروند در برابر تصمیم این دستگاه هیچ راه اعتراضی ندارد",
        "مرجع رسیدگی به شکایت ها در این مقررات معلوم نیست",
        "مهلت اعتراض در این ماده بسیار کوتاه است",
        "تصمیم گیری و رسیدگی به اعتراض در یک مرجع جمع شده است",
    ], [
        "هر تصمیم اداری باید قابل بازبینی باشد",
        "مراجعه حضوری برای اعتراض برای ساکنان شهرستان ها دشوار است",
        "ده روز برای تهیه مدارک اعتراض کافی نیست",
        "بی طرفی مرجعی که خود تصمیم گرفته است تضمین نمی شود",
        "نبود سازوکار اعتراض اعتماد عمومی را کاهش می دهد",
        "دیوان عدالت اداری با انبوه پرونده ها روبه رو خواهد شد",
        "هزینه دادرسی برای بسیاری از مردم سنگین است",
        "پاسخ ندادن به اعتراض در مهلت مقرر پیامدی ندارد",
    ], [
        "پیشنهاد می شود هیئت مستقل رسیدگی به اعتراض ها تشکیل شود",
        "بهتر است امکان اعتراض برخط در سامانه فراهم شود",
        "خواهشمندیم مهلت اعتراض به سی روز افزایش یابد",
        "لطفا سکوت سازمان پس از مهلت به منزله پذیرش اعتراض باشد",
        "پیشنهاد می کنم اجرای تصمیم تا رسیدگی به اعتراض متوقف شود",
    ]),
    (0.12, "privacy", [
        "گردآوری این همه اطلاعات شخصی ضرورتی ندارد",
        "معلوم نیست داده های شهروندان کجا و تا چه زمانی نگهداری می شود",
        "دسترسی دستگاه های دیگر به این اطلاعات محدود نشده است",
        "حفاظت از داده های شخصی در این مقررات نادیده گرفته شده است",
        "اشتراک اطلاعات با بخش خصوصی نگران کننده است",
    ], [
        "نشت اطلاعات در سامانه های دولتی بارها رخ داده است",
        "شهروند حق دارد بداند چه اطلاعاتی از او نگهداری می شود",
        "نشانی و شماره تلفن افراد می تواند سوءاستفاده شود",
        "رضایت آگاهانه افراد گرفته نمی شود",
        "مدت نگهداری داده ها باید محدود باشد",
        "هیچ نهاد مستقلی بر این داده ها نظارت ندارد",
        "اطلاعات مالی افراد بسیار حساس است",
        "رمزنگاری داده ها در متن الزامی نشده است",
    ], [
        "پیشنهاد می شود فقط اطلاعات ضروری گردآوری شود",
        "بهتر است مدت نگهداری داده ها در متن تعیین شود",
        "خواهشمندیم ممیزی امنیتی سالانه الزامی شود",
        "لطفا حق دسترسی و اصلاح داده ها برای شهروندان پیش بینی شود",
        "پیشنهاد می کنم اشتراک داده ها فقط با حکم قضایی ممکن باشد",
    ]),
    (0.10, "conflict", [
        "این ماده با قانون مادر تعارض دارد",
        "این مقررات از حدود اختیارات دستگاه فراتر رفته است",
        "حکم این بند با قانون اساسی سازگار نیست",
        "این ماده تکلیفی تازه می گذارد که قانون پیش بینی نکرده است",
        "مقررات پیشنهادی با آیین نامه های معتبر دیگر در تعارض است",
    ], [
        "آیین نامه اجرایی نمی تواند حکم قانون را محدود کند",
        "هیئت تطبیق مصوبات پیش تر مصوبه مشابهی را ابطال کرده است",
        "تعیین جریمه فقط در صلاحیت قانون گذار است",
        "دو مقرره متعارض اجرای هر دو را ناممکن می کند",
        "دیوان عدالت اداری در رای های پیشین همین را گفته است",
        "اصل قانونی بودن جرم و مجازات رعایت نشده است",
        "حقوق مکتسب اشخاص نادیده گرفته شده است",
        "این حکم عطف به ماسبق شده است",
    ], [
        "پیشنهاد می شود این ماده به طور کامل حذف شود",
        "بهتر است پیش از تصویب نظر معاونت حقوقی گرفته شود",
        "خواهشمندیم متن با قانون مادر تطبیق داده شود",
        "لطفا این حکم در قالب لایحه به مجلس فرستاده شود",
        "پیشنهاد می کنم ماده با آیین نامه های موجود هماهنگ شود",
    ]),
]
INTROS = ["با سلام و احترام", "با سپاس از فرصت اظهار نظر", "به عنوان یک شهروند", "سلام",
          "با احترام", "اینجانب به عنوان فعال این حوزه", "با درود", "در پاسخ به فراخوان"]
NUMBERS = [  # {n} is a number: it makes ordinary comments differ, as real ones do
    "در واحد ما {n} نفر کار می کنند", "این موضوع دست کم {n} خانوار را در شهر ما درگیر می کند",
    "ما {n} سال است در این حوزه فعالیت می کنیم", "در نظرسنجی صنف ما {n} نفر همین نظر را داشتند",
]
CLOSINGS = ["با تشکر", "امیدوارم این نظر بررسی شود", "سپاسگزارم", "منتظر پاسخ شما هستم",
            "موفق باشید", "با آرزوی موفقیت", "لطفا پاسخ دهید", "ممنون از توجه شما"]
CAMPAIGNS = [  # identical texts sent by many (the number of comments)
    (6000, "اینجانب با افزایش عوارض در ماده پنج مخالفم و خواستار حذف آن هستم"),
    (4000, "مهلت اجرای این آیین نامه باید دست کم یک سال تمدید شود"),
    (2500, "حذف سازوکار اعتراض از این مقررات خلاف حقوق شهروندی است"),
    (1500, "داده های شخصی شهروندان نباید بدون رضایت آنان با دیگران به اشتراک گذاشته شود"),
    (1000, "واحدهای کوچک زیر ده نفر باید از این مقررات معاف شوند"),
]
SURVEY = [
    (QuestionKind.single_choice, "این پیش نویس تا چه حد روشن نوشته شده است", "How clear is the draft?",
     [("روشن", "Clear"), ("تا حدی", "Somewhat"), ("مبهم", "Unclear"), ("نمی دانم", "Don't know")]),
    (QuestionKind.multiple_choice, "کدام بخش ها نیاز به بازنگری دارند", "Which parts need revising?",
     [("تعاریف", "Definitions"), ("مهلت ها", "Deadlines"), ("جریمه ها", "Penalties"), ("اعتراض", "Appeals"),
      ("داده ها", "Data")]),
    (QuestionKind.scale, "تاثیر این مقررات بر کار شما", "Its effect on your work", []),
    (QuestionKind.scale, "میزان رضایت از فرایند مشارکت", "Your satisfaction with the consultation", []),
    (QuestionKind.single_choice, "از کجا با این فراخوان آشنا شدید", "How did you hear of it?",
     [("پیامک", "SMS"), ("رسانه", "Media"), ("دوستان", "Friends")]),
    (QuestionKind.text, "هر نکته دیگری که می خواهید بگویید", "Anything else?", []),
]
TEXT_ANSWERS = ["متن را ساده تر بنویسید", "جلسه حضوری هم برگزار کنید", "ممنون از این فرصت", "نظری ندارم"]
SERVICES = ["صدور گواهی", "ثبت نام برخط", "پاسخ به شکایت ها", "استرداد وجه", "صدور مجوز", "مرکز تماس",
            "سامانه پیگیری", "راهنمای حضوری"]
DECISIONS = [(0.15, "accepted"), (0.15, "partially_accepted"), (0.25, "rejected"), (0.45, "noted")]


def log(message):
    print(message, file=sys.stderr, flush=True)


def fingerprint_sql(column: str) -> str:
    """SQL: Comment.fingerprint of a body made from the texts above (checked by `check_vocabulary`): the
    app's normalisation reduces to mapping single characters for them."""
    mapped = {chr(code): value for code, value in _TABLE.items() if value is not None}
    deleted = "".join(chr(code) for code, value in _TABLE.items() if value is None)
    source = "".join(mapped) + deleted
    target = "".join(mapped.values())
    assert all(len(value) == 1 for value in mapped.values())
    return (f"encode(sha256(convert_to(translate({column}, {quote(source)}, {quote(target)}), 'UTF8')), 'hex')")


def run(connection, statement: str):
    """A statement with no parameters: psycopg would read its modulo signs as placeholders."""
    connection.exec_driver_sql(statement.replace("%", "%%"))


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_vocabulary():
    """Every phrase must survive the SQL fingerprint unchanged by the steps it leaves out (NFKC, casefolding,
    whitespace): then the SQL fingerprint equals `participation.services.fingerprint`."""
    phrases = INTROS + NUMBERS + CLOSINGS + TEXT_ANSWERS + [text for _, text in CAMPAIGNS]
    phrases += [p for _, _, *groups in CONCERNS for group in groups for p in group]
    table = {code: value for code, value in _TABLE.items()}
    for phrase in phrases:
        if normalise(phrase) != phrase.translate(table) or "  " in phrase or phrase != phrase.strip():
            raise SystemExit(f"phrase changes under normalisation beyond single characters: {phrase!r}")


def array(values) -> str:
    return "ARRAY[" + ", ".join(quote(v) for v in values) + "]::text[]"


def weighted_case(random_column: str, choices, otherwise="NULL") -> str:
    """SQL: a CASE over a uniform random value picking each (share, value) with its share."""
    parts, bound = [], 0.0
    for share, value in choices:
        bound += share
        parts.append(f"WHEN {random_column} < {bound:.6f} THEN {value}")
    return "CASE " + " ".join(parts) + f" ELSE {otherwise} END"


# --- the rows ----------------------------------------------------------------------------------------------


def seed_objects(session) -> dict:
    """The agency, its editor, services, the draft with its articles, and its survey (through the ORM)."""
    agency = Agency(code=AGENCY_CODE, name_fa="سازمان آزمون گزارش", name_en="Report benchmark agency")
    agency.units.append(Unit(kind=UnitKind.drafting, name_fa="دفتر تدوین", name_en="Drafting office"))
    agency.units.append(Unit(kind=UnitKind.public_relations, name_fa="روابط عمومی", name_en="Public relations"))
    other = Agency(code="report-bench-other", name_fa="سازمان دیگر", name_en="Another agency")
    session.add_all([agency, other])
    session.flush()
    editor = User(email="editor@report-bench.example.org", password_hash=hash_password(PASSWORD),
                  display_name="ویراستار", grants=[RoleGrant(role=Role.editor, agency_id=agency.id)])
    session.add(editor)
    services = [Service(agency_id=agency.id, name_fa=name, name_en=f"Service {n}", created_at=OPENS,
                        updated_at=OPENS) for n, name in enumerate(SERVICES, start=1)]
    services += [Service(agency_id=other.id, name_fa=name, name_en=f"Other service {n}", created_at=OPENS,
                         updated_at=OPENS) for n, name in enumerate(SERVICES[:2], start=1)]
    session.add_all(services)

    draft = Draft(agency_id=agency.id, drafting_unit_id=agency.units[0].id, document_type=DocumentType.bylaw,
                  state=State.published, created_at=OPENS - timedelta(days=20), updated_at=CLOSES,
                  opens_at=OPENS, closes_at=CLOSES, closed_at=CLOSES + timedelta(minutes=3),
                  published_at=CLOSES + timedelta(days=40), listed_at=OPENS)
    title_fa = "آیین‌نامه اجرایی مالیات بر ارزش افزوده کسب‌وکارهای خرد"
    title_en = "Bylaw on value added tax for micro businesses"
    draft.texts["fa"] = DraftText(language="fa", title=title_fa, summary="خلاصه", call="فراخوان مشارکت")
    draft.texts["en"] = DraftText(language="en", title=title_en, summary="Summary", call="Call for comments")
    article_text = " ".join(CONCERNS[0][2])
    draft.articles = [Article(number=str(n), position=n, heading=f"ماده {n}", text=article_text, notes=[])
                      for n in range(1, ARTICLES + 1)]
    draft.consulted_articles = [
        ConsultedArticle(number=a.number, position=a.position, heading=a.heading, text=a.text, notes=[])
        for a in draft.articles
    ]
    draft.search_text = normalise(f"{title_fa} {title_en} {article_text}")
    session.add(draft)
    session.flush()

    survey = Survey(draft_id=draft.id, created_at=OPENS - timedelta(days=10))
    survey.questions = [
        Question(position=n, kind=kind, required=n == 1, texts={"fa": fa, "en": en},
                 options=[{"fa": o_fa, "en": o_en} for o_fa, o_en in options])
        for n, (kind, fa, en, options) in enumerate(SURVEY, start=1)
    ]
    session.add(survey)
    session.flush()
    return {
        "draft": draft.id, "agency": agency.id, "editor": editor.id, "survey": survey.id,
        "articles": [a.id for a in draft.consulted_articles], "questions": [q.id for q in survey.questions],
        "services": [s.id for s in services[:len(SERVICES)]],
        "other_services": [s.id for s in services[len(SERVICES):]],
        "password_hash": editor.password_hash,
    }


def insert_people(connection, people: int, password_hash: str) -> int:
    """`people` participants with profiles drawn from the shares above; returns the first one's id."""
    weights = [(POPULATION[p.name_en], p.code) for p in provinces()]
    total = sum(weight for weight, _ in weights)
    inside = 1 - sum(share for share, _ in RESIDENCE_ELSEWHERE) - 0.03
    residences = RESIDENCE_ELSEWHERE + [(inside * weight / total, code) for weight, code in weights]
    birth_year = weighted_case(
        "r_age", [(share, f"{CLOSES.year} - {low} - floor(r_width * {width})::int") for share, low, width in AGE_BANDS]
    )
    run(connection, f"""
        INSERT INTO users (email, password_hash, display_name, locale, is_active, created_at, birth_year, gender,
                           residence, stakeholder_category)
        SELECT 'p' || g || '@report-bench.example.org', {quote(password_hash)}, 'شرکت کننده ' || g,
               CASE WHEN g % 10 = 0 THEN 'en' ELSE 'fa' END, true,
               TIMESTAMPTZ '2025-01-01 00:00+00' + (g % 500) * INTERVAL '1 day',
               {birth_year},
               {weighted_case("r_gender", [(s, quote(v)) for s, v in GENDERS])},
               {weighted_case("r_residence", [(s, quote(v)) for s, v in residences])},
               {weighted_case("r_category", [(s, quote(v)) for s, v in CATEGORIES])}
        FROM (SELECT g, random() AS r_age, random() AS r_width, random() AS r_gender, random() AS r_residence,
                     random() AS r_category
              FROM generate_series(1, {people}) AS g) AS draws
        ORDER BY g
    """)
    return connection.scalar(sa.text("SELECT min(id) FROM users WHERE email LIKE 'p%@report-bench.example.org'"))


def insert_comments(connection, ids: dict, first_person: int, comments: int, authors: int):
    """Ordinary comments (each of the first `authors` people writes one, then a skewed few write more),
    then the campaigns; 1 % hidden, 1 % withdrawn, a quarter on the whole draft."""
    per_concern = len(CONCERNS[0][2]), len(CONCERNS[0][3]), len(CONCERNS[0][4])
    openings = [p for _, _, group, _, _ in CONCERNS for p in group]
    details = [p for _, _, _, group, _ in CONCERNS for p in group]
    proposals = [p for _, _, _, _, group in CONCERNS for p in group]
    concern = weighted_case("r_concern", [(share, str(n)) for n, (share, *_) in enumerate(CONCERNS)], "0")
    campaign_total = sum(size for size, _ in CAMPAIGNS)
    ordinary = comments - campaign_total
    articles = array([str(a) for a in ids["articles"]])
    pick = "({array})[1 + floor(random() * {size})::int + {offset}]"
    persian_digits = "translate(({expression})::text, '0123456789', '۰۱۲۳۴۵۶۷۸۹')"
    number = persian_digits.format(expression="2 + floor(random() * 300)::int")
    body = (
        f"{pick.format(array=array(INTROS), size=len(INTROS), offset=0)} || '، ' || "
        f"{pick.format(array=array(openings), size=per_concern[0], offset=f'concern * {per_concern[0]}')} || '. ' || "
        f"{pick.format(array=array(details), size=per_concern[1], offset=f'concern * {per_concern[1]}')} || '. ' || "
        f"replace({pick.format(array=array(NUMBERS), size=len(NUMBERS), offset=0)}, '{{n}}', {number}) || '. ' || "
        f"{pick.format(array=array(details), size=per_concern[1], offset=f'concern * {per_concern[1]}')} || '. ' || "
        f"{pick.format(array=array(proposals), size=per_concern[2], offset=f'concern * {per_concern[2]}')} || '. ' || "
        f"{pick.format(array=array(CLOSINGS), size=len(CLOSINGS), offset=0)} || '.'"
    )
    columns = ("draft_id, article_id, author_id, body, fingerprint, anonymous, stakeholder_category, state, "
               "hidden_category, hidden_reason, support_count, created_at, updated_at")
    run(connection, f"""
        INSERT INTO comments ({columns})
        SELECT {ids['draft']}, drawn.article_id, drawn.author_id, drawn.body, {fingerprint_sql('drawn.body')},
               drawn.r_state > 0.9, u.stakeholder_category,
               CASE WHEN drawn.r_state < 0.01 THEN 'hidden' WHEN drawn.r_state < 0.02 THEN 'withdrawn'
                    ELSE 'visible' END,
               CASE WHEN drawn.r_state < 0.01 THEN 'spam' END,
               CASE WHEN drawn.r_state < 0.01 THEN 'تبلیغ تکراری' END,
               0, drawn.at, drawn.at
        FROM (
            SELECT g, {first_person} + CASE WHEN g <= {authors} THEN g - 1
                                            ELSE floor({authors} * power(random(), 1.6))::int END AS author_id,
                   CASE WHEN random() < 0.25 THEN NULL
                        ELSE ({articles})[1 + floor({len(ids['articles'])} * power(random(), 1.4))::int]::int
                   END AS article_id,
                   random() AS r_state,
                   TIMESTAMPTZ {quote(OPENS.isoformat())} + random() * (TIMESTAMPTZ {quote(CLOSES.isoformat())}
                       - TIMESTAMPTZ {quote(OPENS.isoformat())}) AS at,
                   {body} AS body
            FROM (SELECT g, {concern} AS concern
                  FROM (SELECT g, random() AS r_concern FROM generate_series(1, {ordinary}) AS g) AS c) AS chosen
        ) AS drawn
        JOIN users AS u ON u.id = drawn.author_id
        ON CONFLICT DO NOTHING  -- a body drawn twice for one person: stored once, as the application does
    """)
    offset = 0
    for number_of, text in CAMPAIGNS:
        # Distinct authors: every 7th person from a different starting point for each campaign.
        run(connection, f"""
            INSERT INTO comments ({columns})
            SELECT {ids['draft']}, NULL, u.id, {quote(text)}, {quote(fingerprint(text))}, false,
                   u.stakeholder_category, 'visible', NULL, NULL, 0, at, at
            FROM (SELECT {first_person} + ({offset} + g * 7) % {authors} AS author_id,
                         TIMESTAMPTZ {quote(OPENS.isoformat())} + random() * INTERVAL '29 days' AS at
                  FROM generate_series(1, {number_of}) AS g) AS drawn
            JOIN users AS u ON u.id = drawn.author_id
        """)
        offset += 37_000


def insert_supports_and_votes(connection, ids: dict, first_person: int, people: int, supports: int):
    bounds = connection.execute(sa.text("SELECT min(id), max(id) FROM comments WHERE draft_id = :d"),
                                {"d": ids["draft"]}).one()
    run(connection, f"""
        INSERT INTO comment_supports (comment_id, user_id, supported_at)
        SELECT {bounds[0]} + floor(power(random(), 2) * {bounds[1] - bounds[0] + 1})::int,
               {first_person} + floor(random() * {people})::int,
               TIMESTAMPTZ {quote(OPENS.isoformat())} + random() * INTERVAL '30 days'
        FROM generate_series(1, {supports})
        ON CONFLICT DO NOTHING
    """)
    run(connection, """
        UPDATE comments SET support_count = counted.n
        FROM (SELECT comment_id, count(*) AS n FROM comment_supports GROUP BY comment_id) AS counted
        WHERE comments.id = counted.comment_id
    """)
    # Six in ten vote; the private sector opposes more, academics support more.
    run(connection, f"""
        INSERT INTO votes (draft_id, user_id, choice, cast_at, updated_at)
        SELECT {ids['draft']}, id,
               CASE WHEN r < CASE stakeholder_category WHEN 'private_sector' THEN 0.25 WHEN 'academic' THEN 0.55
                                                       ELSE 0.42 END THEN 'support'
                    WHEN r < 0.85 THEN 'oppose' ELSE 'abstain' END,
               at, at
        FROM (SELECT id, stakeholder_category, random() AS r,
                     TIMESTAMPTZ {quote(OPENS.isoformat())} + random() * INTERVAL '30 days' AS at
              FROM users WHERE id >= {first_person} AND id < {first_person + people}) AS drawn
        WHERE random() < 0.6
    """)


def insert_survey_answers(connection, ids: dict, first_person: int, people: int):
    """One person in five answers; the multiple-choice list and the text are left out when empty."""
    q = [str(question) for question in ids["questions"]]
    run(connection, f"""
        INSERT INTO survey_submissions (survey_id, user_id, answers, created_at, updated_at)
        SELECT {ids['survey']}, id, jsonb_strip_nulls(jsonb_build_object(
                   {quote(q[0])}, floor(random() * 4)::int,
                   {quote(q[1])}, (SELECT jsonb_agg(o ORDER BY o) FROM generate_series(0, 4) AS o
                                   WHERE random() < 0.3 + 0 * people.id),
                   {quote(q[2])}, 1 + floor(power(random(), 0.7) * 5)::int,
                   {quote(q[3])}, CASE WHEN random() < 0.9 THEN 1 + floor(random() * 5)::int END,
                   {quote(q[4])}, CASE WHEN random() < 0.8 THEN floor(random() * 3)::int END,
                   {quote(q[5])}, CASE WHEN random() < 0.2
                                       THEN ({array(TEXT_ANSWERS)})[1 + floor(random() * {len(TEXT_ANSWERS)})::int]
                                  END
               ))::json, at, at
        FROM (SELECT id, TIMESTAMPTZ {quote(OPENS.isoformat())} + random() * INTERVAL '30 days' AS at
              FROM users WHERE id >= {first_person} AND id < {first_person + people}) AS people
        WHERE random() < 0.2
    """)


def insert_ratings(connection, ids: dict, first_person: int, people: int):
    """Ratings of the agency's (and another agency's) services on 60 days around the consultation; each
    person rates a service at most once (the Jalali month of the day is its period)."""
    days = [OPENS - timedelta(days=20) + timedelta(days=n, hours=6) for n in range(60)]
    moments = "ARRAY[" + ", ".join(f"TIMESTAMPTZ {quote(d.isoformat())}" for d in days) + "]"
    periods = array([rating_period(d) for d in days])
    services = array([str(s) for s in ids["services"] + ids["other_services"]])
    run(connection, f"""
        INSERT INTO service_ratings (service_id, user_id, score, comment, period, rated_at)
        SELECT service_id, person, 1 + floor(power(random(), 0.8) * 5)::int, NULL,
               ({periods})[day], ({moments})[day]
        FROM (SELECT s::int AS service_id, {first_person} + floor(random() * {people})::int AS person,
                     1 + floor(random() * {len(days)})::int + 0 * g AS day
              FROM unnest({services}) AS s, generate_series(1, 5000) AS g) AS drawn
        ON CONFLICT DO NOTHING
    """)


def insert_responses(connection, ids: dict):
    """A response to every visible comment, forty comments each (the campaigns' own first), some revised."""
    visible = connection.scalar(sa.text("SELECT count(*) FROM comments WHERE draft_id = :d AND state = 'visible'"),
                                {"d": ids["draft"]})
    groups = (visible + 39) // 40
    answered_at = CLOSES + timedelta(days=10)
    connection.execute(sa.text(f"""
        INSERT INTO responses (draft_id, created_by_id, created_at)
        SELECT :d, :editor, :at FROM generate_series(1, {groups})
    """), {"d": ids["draft"], "editor": ids["editor"], "at": answered_at})
    first = connection.scalar(sa.text("SELECT min(id) FROM responses WHERE draft_id = :d"), {"d": ids["draft"]})
    connection.execute(sa.text("""
        INSERT INTO response_comments (comment_id, response_id)
        SELECT id, :first + (row_number() OVER (ORDER BY fingerprint, id) - 1) / 40
        FROM comments WHERE draft_id = :d AND state = 'visible'
    """), {"first": first, "d": ids["draft"]})
    decision = weighted_case("r", [(share, quote(value)) for share, value in DECISIONS], "'noted'")
    for number in (1, 2):
        run(connection, f"""
            INSERT INTO response_revisions (response_id, number, decision, reason, legal_basis_law,
                                            legal_basis_article, author_id, written_at)
            SELECT id, {number}, decision, 'دلیل تصمیم در نسخه {number}',
                   CASE WHEN decision IN ('rejected', 'partially_accepted') THEN 'قانون مالیات بر ارزش افزوده' END,
                   CASE WHEN decision IN ('rejected', 'partially_accepted') THEN 'ماده ۱۲' END,
                   {ids['editor']}, TIMESTAMPTZ {quote((answered_at + timedelta(days=number)).isoformat())}
            FROM (SELECT id, {decision} AS decision
                  FROM (SELECT id, random() AS r FROM responses WHERE draft_id = {ids['draft']}) AS drawn) AS chosen
            WHERE {number} = 1 OR random() < 0.1
        """)


def generate(url: str, people: int, authors: int, comments: int, supports: int) -> dict:
    check_vocabulary()
    database_url = sa.make_url(url)
    ensure_database(database_url)
    engine = get_engine({"sqlalchemy.url": url})
    started = time.perf_counter()
    try:
        log("schema: dropping every table, alembic upgrade heads")
        rebuild_schema(engine)
        with Session(engine) as session, session.begin():
            ids = seed_objects(session)
        steps = [
            ("people", lambda c: ids.__setitem__("first_person", insert_people(c, people, ids["password_hash"]))),
            ("comments", lambda c: insert_comments(c, ids, ids["first_person"], comments, authors)),
            ("supports and votes", lambda c: insert_supports_and_votes(c, ids, ids["first_person"], people,
                                                                       supports)),
            ("survey answers", lambda c: insert_survey_answers(c, ids, ids["first_person"], people)),
            ("service ratings", lambda c: insert_ratings(c, ids, ids["first_person"], people)),
            ("responses", lambda c: insert_responses(c, ids)),
        ]
        for name, step in steps:
            began = time.perf_counter()
            with engine.begin() as connection:
                connection.exec_driver_sql(f"SELECT setseed({SEED})")
                step(connection)
            log(f"{name}: {time.perf_counter() - began:.1f} s")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        with engine.connect() as connection:
            counts = {table: connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in (
                "users", "comments", "comment_supports", "votes", "survey_submissions", "service_ratings",
                "responses", "response_comments", "response_revisions")}
            sample = connection.execute(sa.text(
                "SELECT body, fingerprint FROM comments WHERE draft_id = :d ORDER BY random() LIMIT 200"
            ), {"d": ids["draft"]}).all()
        if any(fingerprint(body) != stored for body, stored in sample):
            raise SystemExit("a generated fingerprint differs from the application's")
    finally:
        engine.dispose()
    log(f"generated in {time.perf_counter() - started:.0f} s: {counts}")
    return {"draft": ids["draft"], "counts": counts}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--people", type=int, default=240_000, help="people (the authors and others)")
    parser.add_argument("--authors", type=int, default=200_000, help="how many of them comment")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--supports", type=int, default=600_000, help="supports drawn (duplicates dropped)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not 0 < args.authors <= args.people:
        raise SystemExit("--authors must be between 1 and --people")
    if args.comments < args.authors + sum(size for size, _ in CAMPAIGNS):
        raise SystemExit("--comments must cover one comment per author plus the campaigns")
    generate(args.database_url, args.people, args.authors, args.comments, args.supports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
