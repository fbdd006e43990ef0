"""Real processes released at the same moment, for the concurrency tests of numbers, cases and answers.

Each worker is `python -c <script> <arguments...>`; one argument is the rendezvous folder, where
the worker writes `ready-<n>` and then waits for `go`. Each prints its result as JSON on its
last line of output.
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_SECONDS = 60
RUN_SECONDS = 120


def run_at_once(script, argument_lists, rendezvous):
    """Start one worker per argument list, release them together once all are ready, and return
    each worker's JSON result in order. Fails if a worker dies, does not start or fails."""
    env = {**os.environ, "PYTHONPATH": ROOT}
    workers = [subprocess.Popen([sys.executable, "-c", script, *map(str, arguments)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for arguments in argument_lists]
    try:
        deadline = time.monotonic() + START_SECONDS
        while len([f for f in os.listdir(rendezvous) if f.startswith("ready-")]) < len(workers):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(w.poll() is None for w in workers), [w.communicate() for w in workers if w.poll() is not None]
            time.sleep(0.01)
        (rendezvous / "go").touch()  # all at once
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=RUN_SECONDS)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
