"""The subscriptions' places in the traversal tree."""

from pyramid.authorization import Authenticated, Everyone

from eparticipation.permissions import Permissions
from eparticipation.resources import Container, grants


class MySubscriptions(Container):
    """/me/subscriptions/: what the signed-in person follows and how they are told."""

    def __init__(self, parent):
        super().__init__(parent.request)

    def __acl__(self):
        return grants((Authenticated, Permissions.SubscriptionFollow))


class SubscriptionsArea(Container):
    """/subscriptions/: following by e-mail alone, and the links of its messages (the secret in the path)."""

    def __init__(self, parent):
        super().__init__(parent.request)

    def __acl__(self):
        return grants((Everyone, Permissions.SubscriptionEmail))
