"""Drives an interactive redis-cli on a pseudo-terminal, as a person would: types each argument
(Python escapes allowed, e.g. '\\r' for Enter) and prints what the terminal showed after it.

Usage: python3 redis-cli-pty.py PORT KEYS...   (answers linenoise's cursor-position queries)
Bounded: about a second a key, then redis-cli is killed."""
import os
import pty
import select
import sys
import time

port = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp("redis-cli", ["redis-cli", "-p", port])


def pump(seconds):
    out = b""
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            out += data
            for _ in range(data.count(b"\x1b[6n")):
                os.write(fd, b"\x1b[1;80R")
    return out


pump(1.5)
for keys in sys.argv[2:]:
    os.write(fd, keys.encode().decode("unicode_escape").encode("latin-1"))
    sys.stdout.write("=== " + keys + "\n" + pump(1.0).decode("utf-8", "replace") + "\n")
os.kill(pid, 9)
