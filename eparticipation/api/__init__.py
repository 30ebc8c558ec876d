"""The open-data API (DESIGN O5): /api/v1/ answers in JSON what the public pages show — the agencies, the
consultations with their texts, their public comments with the agency's responses, their tallies and their published
reports — described by an OpenAPI 3.1 document at /api/v1/openapi.json; /api/ is its page for people."""


def api_root(root):
    from eparticipation.api.resources import ApiRoot

    return ApiRoot(root)


def includeme(config):
    from eparticipation import ratelimits
    from eparticipation import settings as parse
    from eparticipation.api.views import CACHE, COUNTERS

    settings = config.get_settings()
    # The limit per client address (eparticipation.ratelimits): `eparticipation.api_rate.max` requests in each
    # window of `eparticipation.api_rate.minutes`.
    default_max, default_minutes = ratelimits.DEFAULTS["api"]
    if parse.integer(settings, "eparticipation.api_rate.max", default_max) < 1 \
            or parse.integer(settings, "eparticipation.api_rate.minutes", default_minutes) < 1:
        raise parse.SettingError("eparticipation.api_rate.max and .minutes are at least 1")
    # Where the requests are counted: in each process's memory (the default: no write per request, each process
    # counting apart), or in the database (one count across every process, an upsert and a commit per request).
    store = settings.setdefault("eparticipation.api_rate.store", "memory")
    if store not in ("memory", "database"):
        raise parse.SettingError(f"eparticipation.api_rate.store is memory or database, not {store!r}")
    config.registry[COUNTERS] = ratelimits.LocalCounters()
    # The answers kept in each process's memory (views.py, `served`): off unless entries is above 0.
    entries = parse.integer(settings, "eparticipation.api.cache.entries", 0)
    seconds = parse.integer(settings, "eparticipation.api.cache.seconds", 60)
    if entries > 0:
        from eparticipation.pagecache import PageCache

        config.registry[CACHE] = PageCache(entries, seconds)
    config.include("eparticipation.sections")
    config.add_root_child("api", api_root)
    config.include(".views")
    config.scan()
