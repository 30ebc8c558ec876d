"""Principals of accounts that security.py adds (kept apart so that it imports nothing else of accounts)."""

# A signed-in person who confirmed their e-mail address: the ACLs grant taking part to this principal, not to every
# signed-in person (accounts/verification.py).
VERIFIED = "email:verified"
