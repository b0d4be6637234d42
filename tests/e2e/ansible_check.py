#!/usr/bin/python3
"""ansible_check.py: reads the output of ansible-playbook's json callback and
answers one question for tests/e2e/ansible.sh.

usage: ansible_check.py RESULT.json task NAME       -> "HOST changed|ok|failed|skipped" lines
       ansible_check.py RESULT.json recap            -> "HOST ok=N changed=N failed=N unreachable=N"
       ansible_check.py RESULT.json failmsg NAME HOST -> the failure's stderr or msg
       ansible_check.py RESULT.json censored NAME   -> the hosts whose result no_log hid
       ansible_check.py RESULT.json items NAME      -> "HOST ITEM-BASENAME STATE" lines of a loop task
       ansible_check.py RESULT.json times           -> seconds per task, and in all
A task NAME matches the task's name without its "role : " prefix.  A task that
did not run for a host prints nothing for it."""
import json
import os
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
    for r in res.get("results", []) + [res]:
        if r.get("failed"):
            return (r.get("stderr") or r.get("msg") or "").strip()
    return ""


def main(argv):
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"ansible_check: {argv[1]}: not the json callback's output: {e}", file=sys.stderr)
        return 1
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
    elif what == "items":
        for t in tasks(doc):
            if short(t["task"]["name"]) == argv[3]:
                for host, res in sorted(t["hosts"].items()):
                    for r in res.get("results", []):
                        print(host, os.path.basename(str(r.get("item", ""))), state(r))
    elif what == "times":
        for t in tasks(doc):
            print(f"{t.get('seconds', 0):6.2f} {short(t['task']['name'])}")
        print(f"{doc.get('seconds', 0):6.2f} in all")
    elif what == "censored":
        for t in tasks(doc):
            if short(t["task"]["name"]) == argv[3]:
                print(" ".join(h for h, res in sorted(t["hosts"].items()) if "censored" in res))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
