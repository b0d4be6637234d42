# bgtp_record.py: an Ansible callback plugin of the end-to-end tests
# (tests/e2e/ansible.sh).  ansible-core has no json stdout callback (that is in
# the ansible.posix collection), so this one records what the assertions need:
# for each task, each host's result as the callbacks receive it (no_log results
# already censored), and the recap, as JSON in the file $BGTP_RECORD.  The
# normal screen output is left alone.  A result is filed under its own task
# (by the task's uuid), not under the task started last: the free strategy
# starts a task once for each host, and one host's result may come after
# another host has started its next task.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: bgtp_record
    type: notification
    short_description: record task results as JSON for the e2e tests
    description: writes per-task, per-host results and the recap to $BGTP_RECORD
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "bgtp_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._doc = {"plays": []}
        self._task = None
        self._by_uuid = {}
        self._t0 = time.time()

    def v2_playbook_on_play_start(self, play):
        self._doc["plays"].append({"play": {"name": play.get_name()}, "tasks": []})
        self._by_uuid = {}

    def _start(self, task):
        uuid = getattr(task, "_uuid", None)
        if uuid is not None and uuid in self._by_uuid:
            self._task = self._by_uuid[uuid]
            return
        self._task = {"task": {"name": task.get_name()}, "hosts": {}, "start": time.time()}
        self._doc["plays"][-1]["tasks"].append(self._task)
        if uuid is not None:
            self._by_uuid[uuid] = self._task

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def _record(self, result, **extra):
        res = dict(result._result)
        res.update(extra)
        entry = self._by_uuid.get(getattr(result._task, "_uuid", None), self._task)
        entry["seconds"] = round(time.time() - entry["start"], 2)
        entry["hosts"][result._host.get_name()] = res

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True, failed=True)

    def v2_playbook_on_stats(self, stats):
        self._doc["stats"] = {h: stats.summarize(h) for h in sorted(stats.processed)}
        self._doc["seconds"] = round(time.time() - self._t0, 2)
        path = os.environ.get("BGTP_RECORD")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self._doc, f, default=str, indent=1)
