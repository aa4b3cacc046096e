#!/usr/bin/env python3
"""Drive a page in Debian's headless chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe: chromium reads commands on fd 3 and writes answers on fd 4, each a
JSON message ended by NUL), with the standard library only. Used by
tests/integration/proxy/stats_page.rs to click the stats page's Drain button.

Usage: cdp_page.py URL SCRIPT_FILE
  Opens URL, waits (bounded) until `document.body.dataset.renders` is set, then evaluates each
  line of SCRIPT_FILE in order (a line `wait MS` sleeps instead), and prints one JSON line per
  evaluated line with its value. Exits 0, or 1 with a message on stderr; chromium is killed by
  PID on every exit, and the whole run is bounded to 60 s.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

DEADLINE = time.monotonic() + 60


def main():
    url, script_file = sys.argv[1], sys.argv[2]
    lines = [l.rstrip("\n") for l in open(script_file, encoding="utf-8") if l.strip()]
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds():
        # Via fresh copies: a pipe end may already be fd 3 or 4, and dup2 onto itself would
        # keep its close-on-exec flag.
        r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
        os.dup2(r, 3)
        os.dup2(w, 4)
        os.set_inheritable(3, True)
        os.set_inheritable(4, True)

    profile = tempfile.mkdtemp(prefix="lbctl-cdp-")
    chrome = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        # dup2 leaves fds 3 and 4 inheritable; close_fds would close them after preexec_fn
        # (Python's own fds are close-on-exec, so nothing else leaks).
        preexec_fn=child_fds, close_fds=False)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    buf = b""
    next_id = [0]

    def send(method, params=None, session=None):
        next_id[0] += 1
        msg = {"id": next_id[0], "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(to_chrome_w, json.dumps(msg).encode() + b"\0")
        return next_id[0]

    def answer(want):
        nonlocal buf
        while time.monotonic() < DEADLINE:
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if msg.get("id") == want:
                    if "error" in msg:
                        raise RuntimeError(f"devtools error: {msg['error']}")
                    return msg.get("result", {})
            chunk = os.read(from_chrome_r, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the devtools pipe")
            buf += chunk
        raise RuntimeError("timed out waiting for chromium")

    def evaluate(session, expr):
        r = answer(send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                             "awaitPromise": True}, session))
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails'].get('text')}")
        return r.get("result", {}).get("value")

    try:
        target = answer(send("Target.createTarget", {"url": url}))["targetId"]
        session = answer(send("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        while not evaluate(session, "document.body && document.body.dataset.renders || ''"):
            if time.monotonic() > DEADLINE:
                raise RuntimeError("the page never rendered")
            time.sleep(0.1)
        for line in lines:
            if line.startswith("wait "):
                time.sleep(int(line.split()[1]) / 1000)
                continue
            print(json.dumps({"expr": line, "value": evaluate(session, line)}), flush=True)
    except (RuntimeError, KeyError, ValueError) as e:
        print(f"cdp_page.py: {e}", file=sys.stderr)
        return 1
    finally:
        chrome.kill()
        chrome.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
