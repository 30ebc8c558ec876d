"""The codes of an authenticator app: one time step either side of now, never further, only 6 digits."""

from datetime import datetime, timedelta, timezone

import pyotp

from eparticipation.accounts.second_factor import grouped, matching_step, normalised_code, qr_svg

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 11, 27, 9, 30, 10, tzinfo=timezone.utc)


def code(at):
    return pyotp.TOTP(SECRET).at(at)


def test_a_code_of_the_step_before_or_after_is_accepted_not_two_steps_away():
    step = pyotp.TOTP(SECRET).timecode(NOW)
    assert matching_step(SECRET, code(NOW), NOW) == step
    assert matching_step(SECRET, code(NOW - timedelta(seconds=30)), NOW) == step - 1
    assert matching_step(SECRET, code(NOW + timedelta(seconds=30)), NOW) == step + 1
    assert matching_step(SECRET, code(NOW - timedelta(seconds=60)), NOW) is None
    assert matching_step(SECRET, code(NOW + timedelta(seconds=60)), NOW) is None


def test_codes_typed_in_persian_digits_or_with_spaces_are_read():
    typed = code(NOW).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert matching_step(SECRET, normalised_code(f" {typed[:3]} {typed[3:]} "), NOW) is not None
    assert matching_step(SECRET, "12345", NOW) is None
    assert matching_step(SECRET, "abcdef", NOW) is None


def test_the_key_is_written_in_groups_of_four_and_the_qr_code_is_named():
    assert grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    svg = qr_svg(pyotp.TOTP(SECRET).provisioning_uri(name="a@example.org", issuer_name="eparticipation"), "QR <code>")
    assert svg.startswith('<svg role="img" aria-label="QR &lt;code&gt;"')
    assert "<title>QR &lt;code&gt;</title>" in svg
