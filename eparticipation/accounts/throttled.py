"""Forms whose secret (a password, a second-factor code) is checked as sign-in checks it: each attempt counted
before the check (LoginThrottle), a refusal with `Retry-After` when there were too many, the outcome recorded and
failures counted in the sign-in metrics. The form view gives `refuse(message, status)`."""

from eparticipation.accounts.services import LoginThrottle
from eparticipation.observability.metrics import SIGN_IN_FAILURES


class ThrottledCheck:
    throttle = None

    def admit_attempt(self, key: str):
        """None when the secret may be checked now, else the refusal page (429)."""
        self.throttle = LoginThrottle.for_request(self.request)
        wait = self.throttle.admit(key)
        if wait is None:
            return None
        SIGN_IN_FAILURES.labels("throttled").inc()
        self.request.response.headers["Retry-After"] = str(wait.seconds)
        return self.refuse(wait.message, status=429)

    def attempt_failed(self, key: str, reason: str, message):
        """Record the failed attempt and answer with `message` (400); `reason` labels the metric."""
        self.throttle.record(key, succeeded=False)
        SIGN_IN_FAILURES.labels(reason).inc()
        return self.refuse(message, status=400)

    def attempt_succeeded(self, key: str):
        self.throttle.record(key, succeeded=True)
