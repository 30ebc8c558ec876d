"""Rows for tests. One argon2 hash is computed once and shared, to keep the suite fast."""

from functools import cache
from itertools import count

from eparticipation.accounts.models import Role, RoleGrant, User
from eparticipation.accounts.services import hash_password
from eparticipation.agencies.models import Agency, Unit, UnitKind

TEST_PASSWORD = "correct horse battery"
_sequence = count(1)


@cache
def test_password_hash() -> str:
    return hash_password(TEST_PASSWORD)


def make_user(dbsession, email=None, display_name="کاربر آزمایشی", grants=(), **profile) -> User:
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.org",
        display_name=display_name,
        password_hash=test_password_hash(),
        **profile,
    )
    for role, agency in grants:
        user.grants.append(RoleGrant(role=Role(role), agency_id=agency.id if agency else None))
    dbsession.add(user)
    dbsession.flush()
    return user


def make_agency(dbsession, code=None, parent=None, with_units=True) -> Agency:
    number = next(_sequence)
    code = code or f"agency-{number}"
    agency = Agency(code=code, name_fa=f"دستگاه {number}", name_en=f"Agency {number}", parent=parent)
    if with_units:
        agency.units.append(Unit(kind=UnitKind.drafting, name_fa="دفتر تدوین", name_en="Drafting office"))
        agency.units.append(Unit(kind=UnitKind.public_relations, name_fa="روابط عمومی", name_en="Public relations"))
    dbsession.add(agency)
    dbsession.flush()
    return agency
