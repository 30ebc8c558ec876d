"""One session secret, one key per purpose: a leaked cookie key does not open the stored TOTP secrets."""

import pytest
from cryptography.fernet import InvalidToken

from eparticipation.accounts import second_factor, sessions

SECRET = "a-session-secret-of-the-tests-0123456789abcdefghij"


def test_a_second_factor_secret_is_not_readable_with_the_cookie_key():
    stored = second_factor.encrypt_secret({"eparticipation.session_secret": SECRET}, "JBSWY3DPEHPK3PXP")
    with pytest.raises(InvalidToken):
        sessions._fernet(SECRET).decrypt(stored.encode())
    assert second_factor.decrypt_secret({"eparticipation.session_secret": SECRET}, stored) == "JBSWY3DPEHPK3PXP"


def test_another_secret_reads_nothing():
    stored = second_factor.encrypt_secret({"eparticipation.session_secret": SECRET}, "JBSWY3DPEHPK3PXP")
    assert second_factor.decrypt_secret({"eparticipation.session_secret": SECRET[::-1]}, stored) is None
