"""Events of the service ratings, sent in the rating's transaction (points, DESIGN I1, subscribe to them)."""


class ServiceRated:
    def __init__(self, request, rating, service):
        self.request = request
        self.rating = rating
        self.service = service
