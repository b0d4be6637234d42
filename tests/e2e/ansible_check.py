#!/usr/bin/python3
"""ansible_check.py: reads the output of ansible-playbook's json callback and
answers one question for tests/e2e/ansible.sh.

usage: ansible_check.py RESULT.json task NAME       -> "HOST changed|ok|failed|skipped" lines
       ansible_check.py RESULT.json recap            -> "HOST ok=N changed=N failed=N unreachable=N"
       ansible_check.py RESULT.json failmsg NAME HOST -> the failure's stderr or msg
A task NAME matches the task's name without its "role : " prefix.  A task that
did not run for a host prints nothing for it."""
import json
import sys


def tasks(doc):
    for play in doc.get("plays", []):
        for t in play.get("tasks", []):
            yield t


def short(name):
    return name.split(" : ", 1)[-1]


def state(res):
    if res.get("failed"):
        return "failed"
    if res.get("skipped"):
        return "skipped"
    return "changed" if res.get("changed") else "ok"


def item_failure(res):
    for r in [res] + res.get("results", []):
        if r.get("failed"):
            return (r.get("stderr") or r.get("msg") or "").strip()
    return ""


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    what = argv[2]
    if what == "task":
        for t in tasks(doc):
            if short(t["task"]["name"]) == argv[3]:
                for host, res in sorted(t["hosts"].items()):
                    print(host, state(res))
    elif what == "recap":
        for host, s in sorted(doc.get("stats", {}).items()):
            print(f"{host} ok={s.get('ok', 0)} changed={s.get('changed', 0)} "
                  f"failed={s.get('failures', 0)} unreachable={s.get('unreachable', 0)}")
    elif what == "failmsg":
        for t in tasks(doc):
            if short(t["task"]["name"]) == argv[3] and argv[4] in t["hosts"]:
                print(item_failure(t["hosts"][argv[4]]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
