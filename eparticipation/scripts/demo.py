"""Load the demo content into the database of an ini file. Safe to run again: it adds only what is missing.

    eparticipation-demo development.ini
"""

import argparse
import random

import sqlalchemy as sa
import transaction
from pyramid.paster import bootstrap, setup_logging

from eparticipation.accounts.models import Gender, Role, RoleGrant, StakeholderCategory, User
from eparticipation.accounts.services import hash_password
from eparticipation.agencies.models import Agency, Unit, UnitKind
from eparticipation.db import get_tm_session
from eparticipation.geography import ABROAD, UNDISCLOSED, provinces

DEMO_PASSWORD = "demo-pass-1405"

AGENCIES = [
    # code, Persian name, English name, parent code
    ("mefa", "وزارت امور اقتصادی و دارایی", "Ministry of Economic Affairs and Finance", None),
    ("tax", "سازمان امور مالیاتی کشور", "Iranian National Tax Administration", "mefa"),
    ("customs", "گمرک جمهوری اسلامی ایران", "Islamic Republic of Iran Customs Administration", "mefa"),
]
UNITS = {
    UnitKind.drafting: ("دفتر تدوین مقررات", "Regulations Drafting Office"),
    UnitKind.public_relations: ("روابط عمومی و امور بین‌الملل", "Public Relations and International Affairs"),
}
STAFF = [
    # e-mail, display name, role, agency code
    ("admin@example.org", "مدیر سامانه", Role.admin, None),
    ("auditor@example.org", "بازرس وزارت", Role.auditor, None),
    ("editor.mefa@example.org", "ویراستار وزارت", Role.editor, "mefa"),
    ("coordinator.mefa@example.org", "هماهنگ‌کننده وزارت", Role.coordinator, "mefa"),
    ("editor.tax@example.org", "ویراستار امور مالیاتی", Role.editor, "tax"),
    ("coordinator.tax@example.org", "هماهنگ‌کننده امور مالیاتی", Role.coordinator, "tax"),
    ("editor.customs@example.org", "ویراستار گمرک", Role.editor, "customs"),
    ("coordinator.customs@example.org", "هماهنگ‌کننده گمرک", Role.coordinator, "customs"),
]
CITIZEN_NAMES = [
    "مریم احمدی", "علی رضایی", "زهرا محمدی", "حسین کریمی", "فاطمه موسوی", "رضا حسینی", "نرگس جعفری",
    "محمد صادقی", "سارا قاسمی", "امیر نوری", "Leila Karimi", "John Miller", "پریسا طاهری", "مهدی اکبری",
    "الهام رحیمی", "سعید مرادی", "نیلوفر شریفی", "بهروز عزیزی", "شیرین یزدانی", "کاوه فرهادی",
]


def ensure_agencies(dbsession) -> dict[str, Agency]:
    agencies = {a.code: a for a in dbsession.scalars(sa.select(Agency))}
    for code, name_fa, name_en, parent in AGENCIES:
        if code not in agencies:
            agencies[code] = Agency(code=code, name_fa=name_fa, name_en=name_en, parent=agencies.get(parent))
            dbsession.add(agencies[code])
        agency = agencies[code]
        kinds = {unit.kind for unit in agency.units}
        for kind, (name_fa, name_en) in UNITS.items():
            if kind not in kinds:
                agency.units.append(Unit(kind=kind, name_fa=name_fa, name_en=name_en))
    dbsession.flush()
    return agencies


def ensure_user(dbsession, email, display_name, password_hash, **profile) -> User:
    user = dbsession.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=display_name, password_hash=password_hash, **profile)
        dbsession.add(user)
        dbsession.flush()
    return user


def citizen_profile(rng: random.Random) -> dict:
    residence = rng.choice([p.code for p in provinces()] * 3 + [ABROAD, UNDISCLOSED])
    return {
        "birth_year": rng.choice([None] + list(range(1950, 2008))),
        "gender": rng.choice([Gender.female, Gender.male, Gender.female, Gender.male, Gender.undisclosed]),
        "residence": residence,
        "stakeholder_category": rng.choice(list(StakeholderCategory)),
    }


def load_demo(dbsession):
    agencies = ensure_agencies(dbsession)
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, agency_code in STAFF:
        user = ensure_user(dbsession, email, name, password_hash, stakeholder_category=StakeholderCategory.government)
        agency_id = agencies[agency_code].id if agency_code else None
        if not user.has_role(role, agency_id):
            user.grants.append(RoleGrant(role=role, agency_id=agency_id))
    rng = random.Random(1405)  # the same demo every time
    for number, name in enumerate(CITIZEN_NAMES, start=1):
        profile = citizen_profile(rng)
        if profile["stakeholder_category"] in (StakeholderCategory.ngo, StakeholderCategory.academic):
            profile["organisation"] = "انجمن حمایت از مصرف‌کنندگان" if number % 2 else "دانشگاه تهران"
        ensure_user(dbsession, f"citizen{number:02d}@example.org", name, password_hash, **profile)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. development.ini")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        with transaction.manager:
            load_demo(get_tm_session(env["registry"]["dbsession_factory"], transaction.manager))
    print(f"Demo content is loaded. Every demo account's password: {DEMO_PASSWORD}")


if __name__ == "__main__":
    main()
