#!/usr/bin/env python3
"""browser.py - drive the system's headless Chromium through chromedriver
(WebDriver over HTTP, standard library only) for the browser tests and the
demo.  Every name *.test resolves to 127.0.0.1; certificates are not
checked (the tests make their own).  Third-party cookies are allowed, as
in Chrome's default settings (Debian's Chromium blocks them by default;
docs/publishers.md says what adlog sees then).

  browser.py --ua UA --lang LANG STEP...

Steps, run in order; each prints one line "STEP RESULT" on stdout:
  goto URL                  open URL in the tab
  wait CSS ATTR VALUE       wait (10 s) until the element's attribute is VALUE
  attr CSS ATTR             print the attribute's value
  prop CSS PROP             print a DOM property (naturalWidth, href, ...)
  click CSS                 click the element, wait for the page to change
  url                       print the tab's URL
  cookies                   print the cookies of the current page's site
  size WIDTH HEIGHT         resize the window (a taller screenshot)
  shot FILE                 save a PNG screenshot of the tab
  count CSS                 print how many elements match
  text CSS                  print the text of the first element matching
  console                   print each message the page logged to the
                            console since the last "console" step, one
                            line "console LEVEL TEXT" each, then
                            "console N messages, E errors"
  sleep SECONDS
Exit status 1 on the first step that fails (its error on stderr)."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Driver:
    def __init__(self, ua, lang):
        self.port = free_port()
        exe = "/usr/lib/chromium/chromedriver"
        if not os.path.exists(exe):
            exe = "chromedriver"
        self.proc = subprocess.Popen([exe, "--port=%d" % self.port],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % self.port
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        binary = "/usr/lib/chromium/chromium"
        args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=1000,760",
                "--user-agent=" + ua, "--lang=" + lang,
                "--accept-lang=" + lang,
                "--host-resolver-rules=MAP *.test 127.0.0.1",
                "--ignore-certificate-errors",
                "--no-first-run", "--disable-background-networking"]
        opts = {"args": args,
                "prefs": {"intl.accept_languages": lang,
                          "profile.cookie_controls_mode": 0,
                          "profile.block_third_party_cookies": False}}
        if os.path.exists(binary):
            opts["binary"] = binary
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "acceptInsecureCerts": True,
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": opts}}}
        r = self.call("POST", "/session", caps)
        self.sid = r["value"]["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as f:
                return json.loads(f.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise RuntimeError(e.read().decode(errors="replace")[:500])

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.sid, path),
                         body)["value"]

    def find(self, css):
        v = self.s("POST", "/element", {"using": "css selector", "value": css})
        return list(v.values())[0]

    def quit(self):
        try:
            self.call("DELETE", "/session/" + self.sid)
        finally:
            self.proc.terminate()
            self.proc.wait()


def run(d, steps):
    i = 0
    while i < len(steps):
        op = steps[i]
        if op == "goto":
            d.s("POST", "/url", {"url": steps[i + 1]})
            print("goto", steps[i + 1])
            i += 2
        elif op == "wait":
            css, attr, want = steps[i + 1:i + 4]
            got = None
            for _ in range(100):
                try:
                    got = d.s("GET", "/element/%s/attribute/%s"
                              % (d.find(css), attr))
                except RuntimeError:
                    got = None
                if got == want:
                    break
                time.sleep(0.1)
            if got != want:
                raise RuntimeError("wait %s %s: got %r, want %r"
                                   % (css, attr, got, want))
            print("wait", css, attr, got)
            i += 4
        elif op in ("attr", "prop"):
            css, name = steps[i + 1:i + 3]
            kind = "attribute" if op == "attr" else "property"
            print(op, css, name,
                  d.s("GET", "/element/%s/%s/%s" % (d.find(css), kind, name)))
            i += 3
        elif op == "click":
            before = d.s("GET", "/url")
            d.s("POST", "/element/%s/click" % d.find(steps[i + 1]), {})
            for _ in range(100):
                if d.s("GET", "/url") != before:
                    break
                time.sleep(0.1)
            print("click", steps[i + 1])
            i += 2
        elif op == "url":
            print("url", d.s("GET", "/url"))
            i += 1
        elif op == "cookies":
            for c in d.s("GET", "/cookie"):
                print("cookie", c["name"], c.get("secure"), c.get("sameSite"))
            i += 1
        elif op == "shot":
            import base64
            with open(steps[i + 1], "wb") as f:
                f.write(base64.b64decode(d.s("GET", "/screenshot")))
            print("shot", steps[i + 1])
            i += 2
        elif op == "size":
            d.s("POST", "/window/rect", {"width": int(steps[i + 1]),
                                         "height": int(steps[i + 2])})
            print("size", steps[i + 1], steps[i + 2])
            i += 3
        elif op == "count":
            v = d.s("POST", "/elements",
                    {"using": "css selector", "value": steps[i + 1]})
            print("count", steps[i + 1], len(v))
            i += 2
        elif op == "text":
            print("text", steps[i + 1],
                  d.s("GET", "/element/%s/text" % d.find(steps[i + 1])))
            i += 2
        elif op == "console":
            # chromedriver's log endpoint: messages since the last call
            logs = d.s("POST", "/se/log", {"type": "browser"})
            errors = 0
            for m in logs:
                errors += m.get("level") == "SEVERE"
                print("console", m.get("level"),
                      " ".join(str(m.get("message")).split()))
            print("console %d messages, %d errors" % (len(logs), errors))
            i += 1
        elif op == "sleep":
            time.sleep(float(steps[i + 1]))
            i += 2
        else:
            raise RuntimeError("unknown step " + op)
        sys.stdout.flush()


def main():
    a = sys.argv[1:]
    ua = lang = None
    while a and a[0].startswith("--"):
        if a[0] == "--ua":
            ua = a[1]
        elif a[0] == "--lang":
            lang = a[1]
        else:
            sys.exit("browser.py: unknown option " + a[0])
        a = a[2:]
    if not ua or not lang:
        sys.exit(__doc__)
    d = Driver(ua, lang)
    try:
        run(d, a)
    except RuntimeError as e:
        print("browser.py: " + str(e), file=sys.stderr)
        return 1
    finally:
        d.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
