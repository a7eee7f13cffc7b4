"""Load and rollouts against replicas of `handoff serve` behind a load balancer (loopback only).

Run by scripts/replicas-test.sh, which starts the replicas and the balancer. Clients send the
shipped sample conversations through the balancer for a bounded time and count, while two
rollouts reach the replicas one after another, as operators do them:

  1. rename-swap: the new set is checked out beside the live directory (`git clone` of the
     policy repository), then `mv live live.old && mv live.new live`;
  2. git pull: in the live checkout, `git pull` rewrites the changed files in place.

Two kinds of client run side by side:
  - free: one request after another, no header; a "job" is JOBLEN consecutive verdicts;
  - pinned: a job pins the digest of its first verdict in `If-Policy-Digest`; a 409 is retried
    (the balancer picks another replica) up to RETRIES times, then the job starts again under the
    digest the replicas now serve.

Printed (JSON): requests, failures (anything but 200, or 409 for pinned clients), per rollout the
time until every replica serves the new digest and the verdicts decided by the old set after the
first replica switched, and the jobs whose verdicts came from two sets (pinned: must be 0).
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import threading
import time


def now():
    return time.monotonic()


class Client(threading.Thread):
    def __init__(self, lb, bodies, pinned, stop, deadline, max_requests, joblen, retries, offset):
        super().__init__(daemon=True)
        self.lb, self.bodies, self.pinned = lb, bodies, pinned
        self.stop, self.deadline, self.max_requests = stop, deadline, max_requests
        self.joblen, self.retries, self.i = joblen, retries, offset
        self.events = []  # (time answered, digest)
        self.requests = self.failures = self.refused = 0
        self.jobs = self.mixed = self.restarted = 0
        self.errors = []
        self.conn = None

    def post(self, body, pin):
        headers = {"Content-Type": "application/json"}
        if pin:
            headers["If-Policy-Digest"] = pin
        for attempt in range(2):  # a keep-alive connection the balancer closed: reconnect once
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(*self.lb, timeout=10)
                self.conn.request("POST", "/v1/verdict", body, headers)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data
            except (OSError, http.client.HTTPException) as e:
                self.conn = None
                if attempt == 1:
                    return None, str(e).encode()
        return None, b""

    def one(self, pin):
        """(digest or None, ok); a 409 to a pinned request is not a failure."""
        body = self.bodies[self.i % len(self.bodies)]
        self.i += 1
        self.requests += 1
        status, data = self.post(body, pin)
        if status == 200:
            digest = json.loads(data)["policy"]["digest"]
            self.events.append((now(), digest))
            return digest, True
        if status == 409 and pin:
            self.refused += 1
            return None, True
        self.failures += 1
        if len(self.errors) < 5:
            self.errors.append(f"{status}: {data[:200]!r}")
        return None, False

    def done(self):
        return self.stop.is_set() or now() > self.deadline or self.requests >= self.max_requests

    def run(self):
        while not self.done():
            self.job()

    def job(self):
        digests = set()
        pin = None
        n = 0
        while n < self.joblen and not self.done():
            tries = 0
            while True:
                digest, ok = self.one(pin)
                if digest or not ok or tries >= self.retries or self.done():
                    break
                tries += 1
            if digest is None and ok and pin:  # every retry refused: the replicas moved on
                self.restarted += 1
                digests, pin, n = set(), None, 0
                continue
            if digest:
                digests.add(digest)
                if self.pinned and pin is None:
                    pin = digest
            n += 1
        if n == self.joblen:
            self.jobs += 1
            self.mixed += len(digests) > 1


def policy_digest(addr):
    c = http.client.HTTPConnection(*addr, timeout=5)
    try:
        c.request("GET", "/v1/policy")
        return json.loads(c.getresponse().read())["digest"]
    finally:
        c.close()


def wait_all(replicas, digest, limit):
    """Polls every replica's /v1/policy until all serve `digest`: {replica: seconds} per switch."""
    start = now()
    seen = {}
    while len(seen) < len(replicas) and now() - start < limit:
        for r in replicas:
            if r not in seen:
                try:
                    if policy_digest(r) == digest:
                        seen[r] = now()
                except OSError:
                    pass
        time.sleep(0.005)
    return seen


def git(*args):
    subprocess.run(["git", *args], check=True, timeout=30, stdout=subprocess.DEVNULL)


def publish(origin, text_dir, message):
    """A policy change lands in the policy repository: the files of `text_dir`, committed."""
    for name in os.listdir(text_dir):
        shutil.copy(os.path.join(text_dir, name), os.path.join(origin, name))
    git("-C", origin, "commit", "-qam", message)


def rename_swap(live, origin):
    """`git clone origin live.new && mv live live.old && mv live.new live`."""
    staged = live + ".new"
    shutil.rmtree(staged, ignore_errors=True)
    git("clone", "-q", origin, staged)
    shutil.rmtree(live + ".old", ignore_errors=True)
    os.rename(live, live + ".old")
    os.rename(staged, live)


def git_pull(live):
    git("-C", live, "pull", "-q", "--ff-only")


def rollout(name, steps, replicas, old, new, stagger, clients, limit):
    """Runs one step per replica, `stagger` seconds apart, while a poller watches every
    replica's /v1/policy; measures the switch of each replica after its own step."""
    switched = {}
    poller = threading.Thread(target=lambda: switched.update(wait_all(replicas, new, limit)))
    t0 = now()
    poller.start()
    done_at = []
    for i, step in enumerate(steps):
        if i:
            time.sleep(stagger)
        step()
        done_at.append(now())
    poller.join()
    if len(switched) < len(replicas):
        return {"rollout": name, "converged": False, "switched": len(switched)}
    first = min(switched.values())
    last = max(switched.values())
    time.sleep(0.2)  # answers in flight at the switch come back
    old_after = sum(1 for c in clients for t, d in c.events if d == old and t > first)
    new_before = sum(1 for c in clients for t, d in c.events if d == new and t < t0)
    lags = [switched[r] - done_at[i] for i, r in enumerate(replicas)]
    return {
        "rollout": name,
        "converged": True,
        "stagger_s": stagger,
        "seconds_until_every_replica_serves_new": round(last - t0, 3),
        "seconds_from_first_to_last_switch": round(last - first, 3),
        "seconds_from_each_step_to_its_replica_switching": [round(x, 3) for x in lags],
        "verdicts_by_old_set_after_first_switch": old_after,
        "verdicts_by_new_set_before_rollout": new_before,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lb", required=True, help="HOST:PORT of the balancer")
    ap.add_argument("--replica", action="append", required=True, help="HOST:PORT (direct)")
    ap.add_argument("--live", action="append", required=True,
                    help="each replica's policy directory, a checkout of --origin")
    ap.add_argument("--origin", required=True, help="the policy repository (a git work tree)")
    ap.add_argument("--samples", required=True)
    ap.add_argument("--v2", required=True, help="directory: the files the rename-swap rolls out")
    ap.add_argument("--v3", required=True, help="directory: the files the git pull rolls out")
    ap.add_argument("--digests", required=True, help="v1,v2,v3")
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--pinned", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--max-requests", type=int, default=200000)
    ap.add_argument("--stagger", type=float, default=0.3)
    ap.add_argument("--joblen", type=int, default=20)
    ap.add_argument("--retries", type=int, default=3)
    a = ap.parse_args()
    addr = lambda s: (s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1]))  # noqa: E731
    lb, replicas = addr(a.lb), [addr(r) for r in a.replica]
    v1, v2, v3 = a.digests.split(",")
    with open(a.samples) as f:
        bodies = [line.strip().encode() for line in f if line.strip()]

    stop = threading.Event()
    deadline = now() + a.seconds + 30  # a hard bound even if a rollout hangs
    per = max(1, a.max_requests // (a.clients + a.pinned))
    clients = [
        Client(lb, bodies, i >= a.clients, stop, deadline, per, a.joblen, a.retries, i * 7)
        for i in range(a.clients + a.pinned)
    ]
    start = now()
    for c in clients:
        c.start()
    phase = a.seconds / 3
    results = []
    try:
        publish(a.origin, a.v2, "v2")
        time.sleep(max(0.0, start + phase - now()))
        steps = [lambda d=d: rename_swap(d, a.origin) for d in a.live]
        results.append(rollout("rename-swap", steps, replicas, v1, v2, a.stagger, clients, 20))
        publish(a.origin, a.v3, "v3")
        time.sleep(max(0.0, start + 2 * phase - now()))
        steps = [lambda d=d: git_pull(d) for d in a.live]
        results.append(rollout("git pull", steps, replicas, v2, v3, a.stagger, clients, 20))
        time.sleep(max(0.0, start + a.seconds - now()))
    finally:
        stop.set()
        for c in clients:
            c.join(15)
    elapsed = now() - start
    free = [c for c in clients if not c.pinned]
    pinned = [c for c in clients if c.pinned]
    summary = {
        "seconds": round(elapsed, 2),
        "requests": sum(c.requests for c in clients),
        "verdicts": sum(len(c.events) for c in clients),
        "verdicts_per_second": round(sum(len(c.events) for c in clients) / elapsed),
        "failed": sum(c.failures for c in clients),
        "errors": [e for c in clients for e in c.errors][:5],
        "rollouts": results,
        "free_jobs": sum(c.jobs for c in free),
        "free_jobs_mixing_two_sets": sum(c.mixed for c in free),
        "pinned_jobs": sum(c.jobs for c in pinned),
        "pinned_jobs_mixing_two_sets": sum(c.mixed for c in pinned),
        "pinned_409_answers": sum(c.refused for c in pinned),
        "pinned_jobs_restarted": sum(c.restarted for c in pinned),
        "final_digest_of_every_replica": sorted({policy_digest(r) for r in replicas}),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
