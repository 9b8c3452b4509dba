#!/usr/bin/env python3
"""A Baton job worker in plain Python 3: the standard library only, no SDK.

It long-polls `baton serve` for jobs of one type, computes a result for each, and
completes the job with it; a handler that raises fails the job with one retry less and
an exponential backoff, and the last failure becomes an incident in Baton.

    python3 worker.py [--server URL] [--token TOKEN] [--type double] [--name NAME]

The server defaults to $BATON_SERVER or http://127.0.0.1:8080, the token to $BATON_TOKEN
(none is needed against `baton serve --insecure-dev`). Ctrl-C or SIGTERM stops it; a job
being worked on is finished first.
"""

import argparse
import json
import os
import random
import signal
import sys
import time
import urllib.error
import urllib.request

# How long one activation waits on the server for a job (the server allows up to 60 s).
POLL_MS = 10_000
# How long a job is ours; the handler must finish well within it.
LEASE_MS = 60_000


def double(variables):
    """The work for jobs of type `double` (examples/workers/double.bpmn): y = 2x."""
    x = variables["x"]
    if not isinstance(x, (int, float)):
        raise ValueError(f"x must be a number, not {x!r}")
    return {"y": 2 * x}


HANDLERS = {"double": double}


class Refused(Exception):
    """The server refused the token or the request: retrying will not help."""


class Unreachable(Exception):
    """The server could not be reached."""


class Server:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def post(self, path, body, timeout):
        """POSTs JSON and returns the decoded answer (None for 204 No Content)."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            # Errors are application/problem+json: `detail` says what was wrong.
            detail = problem_detail(error.read())
            if error.code in (401, 403):
                raise Refused(
                    f"the server at {self.url} answered {error.code}: {detail}; "
                    "pass a token with --token or BATON_TOKEN "
                    "(`baton token create --role worker`)"
                ) from None
            if error.code == 400:
                raise Refused(f"the server answered 400 to {path}: {detail}") from None
            raise RuntimeError(f"the server answered {error.code} to {path}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise Unreachable(f"could not reach the server at {self.url}: {error}") from None


def problem_detail(body):
    try:
        problem = json.loads(body)
        detail = problem.get("detail") or problem.get("title") or ""
        if problem.get("field"):
            detail += f" (field `{problem['field']}`)"
        return detail
    except (ValueError, AttributeError):
        return body.decode(errors="replace").strip() or "no details"


def backoff_ms(failed_attempts, initial=1_000, cap=300_000):
    """Exponential backoff with jitter, as Baton's own retries: initial x 2^(n-1), capped."""
    base = min(initial * 2 ** min(failed_attempts - 1, 30), cap)
    return int(base * random.uniform(0.8, 1.2))


class Stop:
    """SIGINT/SIGTERM: a worker waiting for jobs holds none and stops at once; one
    working on a job finishes and reports it first."""

    def __init__(self):
        self.requested = False
        self.polling = False
        signal.signal(signal.SIGINT, self.handle)
        signal.signal(signal.SIGTERM, self.handle)

    def handle(self, signum, frame):
        if self.polling or self.requested:
            raise SystemExit(0)
        self.requested = True
        print("stopping after the current job", file=sys.stderr)


def under_lease(job, body):
    """The outcome's body with the job's lease id: once the lease ran out and another
    worker took the job, the server refuses it (409) instead of letting a late result
    overwrite the other worker's."""
    if "leaseId" in job:
        body["leaseId"] = job["leaseId"]
    return body


def work(server, job, handler, failures):
    key = job["key"]
    try:
        result = handler(job["variables"])
    except Exception as error:  # any failure of the handler fails the job, not the worker
        retries = max(job["retries"] - 1, 0)
        failures[key] = failures.get(key, 0) + 1
        wait = backoff_ms(failures[key]) if retries > 0 else 0
        server.post(
            f"/v1/jobs/{key}/fail",
            under_lease(job, {"retries": retries,
                              "errorMessage": f"{type(error).__name__}: {error}",
                              "retryBackoffMs": wait}),
            timeout=30,
        )
        print(f"job {key} failed ({retries} retries left): {error}", file=sys.stderr)
        return
    server.post(f"/v1/jobs/{key}/complete", under_lease(job, {"variables": result}), timeout=30)
    failures.pop(key, None)
    print(f"completed job {key}: {json.dumps(result)}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description="A Baton job worker in plain Python.")
    parser.add_argument("--server", default=os.environ.get("BATON_SERVER", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get("BATON_TOKEN"))
    parser.add_argument("--type", default="double", choices=sorted(HANDLERS))
    parser.add_argument("--name", default=f"python-worker-{os.getpid()}")
    args = parser.parse_args()

    server = Server(args.server, args.token)
    handler = HANDLERS[args.type]
    stop = Stop()
    failures = {}  # failed attempts per job key seen here, for the backoff
    connected = False
    pause = 0.25
    print(f"worker {args.name} takes `{args.type}` jobs from {server.url}", file=sys.stderr)
    while not stop.requested:
        stop.polling = True
        try:
            answer = server.post(
                "/v1/jobs/activate",
                {"type": args.type, "worker": args.name, "maxJobs": 1,
                 "leaseMs": LEASE_MS, "requestTimeoutMs": POLL_MS},
                timeout=POLL_MS / 1000 + 30,
            )
        except Refused as error:
            sys.exit(f"error: {error}")
        except (Unreachable, RuntimeError) as error:
            # Before the first answer this is most likely a wrong URL; later, a restart.
            if not connected:
                sys.exit(f"error: {error}")
            print(f"warning: {error}; trying again in {pause:.2f} s", file=sys.stderr)
            time.sleep(pause)
            pause = min(pause * 2, 10)
            continue
        finally:
            stop.polling = False
        connected, pause = True, 0.25
        for job in answer["jobs"]:
            try:
                work(server, job, handler, failures)
            except (Unreachable, RuntimeError, Refused) as error:
                # The lease runs out and the job comes back to someone; keep working.
                print(f"warning: job {job['key']}: {error}", file=sys.stderr)
    print(f"worker {args.name} stopped", file=sys.stderr)


if __name__ == "__main__":
    main()
