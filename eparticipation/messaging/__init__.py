"""Messaging: telling people what concerns them, in an in-app inbox and through the channels they can be
reached on, delivered by a separate worker from a transactional outbox."""
