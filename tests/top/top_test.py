#!/usr/bin/python3
"""perftrack top, end to end, on a real terminal (tmux) and a real exporter.

    top_test.py PERFTRACK

- Screen: perftrack top runs in a detached tmux session (130x20, UTF-8) on a
  metrics file; records of known durations are appended after it starts; the
  screen (capture-pane) must show each operation's total, failures per second
  and the percentiles the bucket rule gives for those durations; keys (sent
  with send-keys) sort by name and by rate; a name holding an escape sequence
  and <script> is shown as text, not obeyed; q quits with status 0, and
  SIGTERM does too.
- Plain: with stdout a pipe, top prints `time=... operation=...` lines at each
  reading and stops after --iterations.
- Scrape: perftrack serve follows the same file on a free loopback port; top
  --url reads the same totals from its /metrics; an exporter that is down is
  one error line naming the URL, and top keeps asking.

Every process and the tmux server are stopped by this script.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PERFTRACK = sys.argv[1]
EVIL = "evil\x1b[2J<script>"
SHOWN_EVIL = "evil\\x1b[2J<script>"


def record(op, ms, ok=True):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000Z"
    return json.dumps({"timestamp": stamp, "operation_type": op, "duration_ms": ms,
                       "success": ok, "session_id": None, "error": None}) + "\n"


def append_known(path):
    """100 fast_op at 0.5 ms (10 failed), 50 slow_op at 40 ms, 5 of EVIL at 1 ms."""
    with open(path, "a", encoding="utf-8") as f:
        for i in range(100):
            f.write(record("fast_op", 0.5, ok=i % 10 != 0))
        for _ in range(50):
            f.write(record("slow_op", 40.0))
        for _ in range(5):
            f.write(record(EVIL, 1.0))


def wait_until(what, check, seconds=30):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise SystemExit(f"FAIL: {what} (last: {last!r})")


class Tmux:
    """A private tmux server (its own socket), killed at the end."""

    def __init__(self, directory):
        self.directory = directory
        self.socket = os.path.join(directory, "tmux.sock")
        self.status_files = {}
        self.env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color")

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-u", "-S", self.socket, *args], env=self.env, text=True,
                              capture_output=True, check=check)

    def start(self, name, command):
        """Runs `command` in a new 130x20 session; a shell around it writes its
        exit status to a file (tmux reaps a finished pane's process late)."""
        self.status_files[name] = os.path.join(self.directory, f"{name}.status")
        wrapped = f"{command}; echo $? > {self.status_files[name]}"
        self.run("new-session", "-d", "-s", name, "-x", "130", "-y", "20", wrapped)
        # The server stays up when a session's program ends and none is left:
        # otherwise the next new-session can reach a server that is exiting.
        self.run("set-option", "-s", "exit-empty", "off")

    def program_pid(self, name):
        """The pid of the program the pane's shell runs."""
        shell = self.pane(name, "#{pane_pid}")
        return int(subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True,
                                  check=True).stdout.split()[0])

    def screen(self, name):
        return self.run("capture-pane", "-p", "-t", name).stdout

    def keys(self, name, *keys):
        self.run("send-keys", "-t", name, *keys)

    def pane(self, name, fmt):
        return self.run("display-message", "-p", "-t", name, fmt).stdout.strip()

    def exit_status(self, name):
        """Waits for the program to end: its exit status as the shell saw it."""
        path = self.status_files[name]
        return wait_until(f"{name} ends", lambda: os.path.exists(path) and open(path).read().strip())

    def kill(self):
        self.run("kill-server", check=False)


def rows(screen):
    """Operation lines of the screen, by name: the columns after it."""
    out = {}
    for line in screen.splitlines()[3:]:
        if not line.strip():
            continue
        name, *cols = line.split()
        out[name] = cols
    return out


def test_screen(tmux, directory):
    path = os.path.join(directory, "screen.jsonl")
    open(path, "w").close()
    tmux.start("top", f"{PERFTRACK} top --file {path} --interval 0.2 --window 600")
    wait_until("the screen's heads", lambda: "P99 TREND" in tmux.screen("top"))
    append_known(path)
    screen = wait_until("the three operations with their totals",
                        lambda: (lambda s: s if len(rows(s)) == 3 and rows(s)["fast_op"][2] == "100"
                                 else None)(tmux.screen("top")))
    r = rows(screen)
    print(screen)
    # RATE/s ERR/s TOTAL P50 P95 P99: 0.5 ms is in the bucket (0.4, 0.5] ms, 40 ms in (30, 40] ms.
    assert r["fast_op"][3:6] == ["450us", "495us", "499us"], r["fast_op"]
    assert r["slow_op"][3:6] == ["35ms", "39.5ms", "39.9ms"], r["slow_op"]
    assert r[SHOWN_EVIL][2] == "5", r
    assert "sorted by p99" in screen
    names = list(r)
    assert names[0] == "slow_op", names  # the greatest p99 first
    tmux.keys("top", "n")
    wait_until("sorted by name", lambda: "sorted by name" in tmux.screen("top"))
    assert list(rows(tmux.screen("top"))) == [SHOWN_EVIL, "fast_op", "slow_op"]
    tmux.keys("top", "r")
    wait_until("sorted by rate", lambda: "sorted by rate" in tmux.screen("top"))
    tmux.keys("top", "q")
    assert tmux.exit_status("top") == "0"
    # SIGTERM stops it too, with status 0.
    tmux.start("term", f"{PERFTRACK} top --file {path}")
    wait_until("the second screen", lambda: "fast_op" in tmux.screen("term"))
    os.kill(tmux.program_pid("term"), signal.SIGTERM)
    assert tmux.exit_status("term") == "0"
    print("screen: ok")


def started(proc):
    """Waits for top's first line (its starting point: what is appended after
    it counts as new), and returns it."""
    line = proc.stdout.readline()
    assert " started operations=" in line, line
    return line


def test_plain(directory):
    path = os.path.join(directory, "plain.jsonl")
    open(path, "w").close()
    proc = subprocess.Popen([PERFTRACK, "top", "--file", path, "--interval", "0.3",
                             "--iterations", "5"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first = started(proc)
    append_known(path)
    out, err = proc.communicate(timeout=30)
    out = first + out
    assert proc.returncode == 0, err
    lines = [l for l in out.splitlines() if 'operation="fast_op"' in l]
    assert lines, out
    assert "total=100 failed=10 p50=450us" in lines[-1], lines[-1]
    assert all(l.startswith("time=") for l in out.splitlines()), out
    evil = [l for l in out.splitlines() if "evil" in l]
    assert evil and "\x1b" not in out and '"evil\\\\x1b[2J<script>' in evil[-1], evil
    print("plain: ok")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scrape(directory):
    path = os.path.join(directory, "scrape.jsonl")
    append_known(path)
    port = free_port()
    serve = subprocess.Popen([PERFTRACK, "serve", "--port", str(port), "--file", path,
                              "--poll-interval", "50ms"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_until("serve is ready", ready)
        proc = subprocess.Popen([PERFTRACK, "top", "--url", f"http://127.0.0.1:{port}/metrics",
                                 "--interval", "0.3", "--iterations", "6"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started(proc)
        append_known(path)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        last = [l for l in out.splitlines() if 'operation="slow_op"' in l][-1]
        assert "total=100 failed=0 p50=35ms" in last, last
        fast = [l for l in out.splitlines() if 'operation="fast_op"' in l][-1]
        assert "total=200 failed=20" in fast, fast
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    down = subprocess.run([PERFTRACK, "top", "--url", f"http://127.0.0.1:{port}/metrics",
                           "--interval", "0.2", "--iterations", "3"], capture_output=True,
                          text=True, timeout=30)
    assert down.returncode == 0, down.stderr
    assert down.stderr.count(f"127.0.0.1:{port}") == 1, down.stderr  # said once, asked again
    print("scrape: ok")


def main():
    with tempfile.TemporaryDirectory(prefix="perftrack-top-") as directory:
        tmux = Tmux(directory)
        try:
            test_screen(tmux, directory)
        finally:
            tmux.kill()
        test_plain(directory)
        test_scrape(directory)
    print("PASS")


if __name__ == "__main__":
    main()
