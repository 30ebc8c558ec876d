"""Work a domain hands to the console commands without their importing it:

    config.add_tick_task("reminders", send_reminders)      # eparticipation-tick calls send_reminders(request)
    config.add_worker_task("fan-out", fan_out)              # eparticipation-deliver calls fan_out(registry)

A tick task runs in the tick's transaction, with the tick's request (its clock, its URLs), and returns the line
the tick prints. A worker task runs between the delivery worker's batches and returns how much it did (0: nothing
was due, so the worker may rest); it opens its own transactions (`registry["dbsession_factory"]`), as the
deliverer does, so that a failure of one item does not undo the others. Tasks run in the order of their names.
"""

from typing import Callable


def _add(config, kind: str, name: str, task: Callable):
    introspectable = config.introspectable(f"{kind} tasks", name, name, f"{kind} task")
    introspectable["task"] = task

    def register():
        config.registry.setdefault(f"{kind}_tasks", {})[name] = task

    config.action((f"{kind} task", name), register, introspectables=(introspectable,))


def add_tick_task(config, name: str, task: Callable):
    """`task(request) -> str`: run by every eparticipation-tick, in its transaction; the line it prints."""
    _add(config, "tick", name, task)


def add_worker_task(config, name: str, task: Callable):
    """`task(registry) -> int`: run by eparticipation-deliver before each batch of messages; how much it did."""
    _add(config, "worker", name, task)


def tick_tasks(registry) -> list[tuple[str, Callable]]:
    return sorted(registry.get("tick_tasks", {}).items())


def worker_tasks(registry) -> list[tuple[str, Callable]]:
    return sorted(registry.get("worker_tasks", {}).items())


def includeme(config):
    """The directives; including this twice (a package may, to be sure of them) changes nothing."""
    config.add_directive("add_tick_task", add_tick_task)
    config.add_directive("add_worker_task", add_worker_task)
