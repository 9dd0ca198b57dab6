"""Starting the built binary's `simulate` or `serve` for the measurement scripts."""
import os
import re
import subprocess
import sys
import time


def start(binary, arguments, work, name):
    """Runs `binary arguments` with its output in WORK/NAME.out and .err, and waits for its
    'listening on URL' line; returns the process and the URL. Exits when it does not start."""
    out = open(os.path.join(work, name + ".out"), "w+")
    process = subprocess.Popen([binary] + arguments, stdout=out, stderr=open(os.path.join(work, name + ".err"), "w"))
    deadline = time.time() + 120
    while time.time() < deadline:
        out.seek(0)
        match = re.search(r"listening on (http://\S+)", out.read())
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            sys.exit(f"{name} exited: " + open(os.path.join(work, name + ".err")).read()[-2000:])
        time.sleep(0.2)
    sys.exit(f"{name} did not start")
