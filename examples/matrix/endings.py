#!/usr/bin/env python3
"""A stand-in for a training job that ends the way it is asked to, for `hsm matrix`.

    python3 endings.py --recipe small --end normal

--end normal             works, then ends: [SUMMARY] exit_code=0 reason=job_completed
--end heartbeat_timeout  the worker stops sending heartbeats; the watchdog ends the job (exit 1)
--end runtime_timeout    the job reaches its own maximum runtime, saves and stops (exit 0)
--end fail               the command fails (exit 2, a traceback, no summary line)
--end restart            the worker crashes --crashes times, is restarted each time, then succeeds
--end hang               never ends by itself (for time limits and `hsm matrix kill`)

Every run ends with one summary line (except `fail` and `hang`), which hsm's reason rules read.
"""
import argparse
import sys
import time

HEARTBEAT_TIMEOUT = 0.4  # seconds without a heartbeat before the watchdog ends the job
STEP = 0.05


def summary(exit_code, reason, restarts):
    print(f"[SUMMARY] exit_code={exit_code} reason={reason} restarts={restarts}", flush=True)


def train(steps, beat):
    for step in range(steps):
        time.sleep(STEP)
        if beat(step) is False:
            return False
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--recipe", default="small")
    p.add_argument("--end", required=True,
                   choices=["normal", "heartbeat_timeout", "runtime_timeout", "fail", "restart", "hang"])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--max-runtime", type=float, default=0.2)
    p.add_argument("--crashes", type=int, default=2)
    a = p.parse_args()
    print(f"recipe={a.recipe} end={a.end}", flush=True)

    if a.end == "normal":
        train(a.steps, lambda s: print(f"step {s} heartbeat", flush=True))
        summary(0, "job_completed", 0)
        return 0
    if a.end == "heartbeat_timeout":
        train(2, lambda s: print(f"step {s} heartbeat", flush=True))
        last = time.monotonic()  # the worker hangs from here: no more heartbeats
        while time.monotonic() - last < HEARTBEAT_TIMEOUT:
            time.sleep(STEP)
        print(f"watchdog: no heartbeat for {HEARTBEAT_TIMEOUT}s, stopping the job", file=sys.stderr, flush=True)
        summary(1, "heartbeat_timeout", 0)
        return 1
    if a.end == "runtime_timeout":
        start = time.monotonic()
        train(10_000, lambda s: time.monotonic() - start < a.max_runtime)
        print(f"maximum runtime {a.max_runtime}s reached: checkpoint saved", flush=True)
        summary(0, "max_runtime_reached", 0)
        return 0
    if a.end == "fail":
        fail(a)
    if a.end == "restart":
        for crash in range(1, a.crashes + 1):
            train(2, lambda s: None)
            print(f"worker crashed; restarting (restart {crash})", flush=True)
        train(a.steps, lambda s: None)
        summary(0, "job_completed", a.crashes)
        return 0
    while True:  # hang
        time.sleep(1)


def fail(a):
    print(f"Traceback (most recent call last):\nKeyError: 'optimizer' (recipe {a.recipe})", file=sys.stderr, flush=True)
    sys.exit(2)


if __name__ == "__main__":
    sys.exit(main())
