#!/usr/bin/env python3
"""A tiny EMSP platform for docs/ocpi.md: it answers the hub's calls an EMSP's OCPI 2.2.1 platform answers.

Usage: platform.py PORT. It accepts only the token it gave the hub (credentials.json) and prints one line per call:
  authorize <uid> <type> for <cpo country>/<cpo party> at <location or ->   (answers ALLOWED, or BLOCKED for a uid starting with BLK)
  result <id> <body>                                                        (a CommandResult at its response_url)
"""
import base64
import json
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = json.load(open(__file__.rsplit("/", 1)[0] + "/credentials.json"))["token"]
EXPECTED = "Token " + base64.b64encode(TOKEN.encode()).decode()


def envelope(data, code=1000):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"data": data, "status_code": code, "timestamp": now}).encode()


class Platform(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, http, body):
        self.send_response(http)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def allowed(self):
        if self.headers.get("Authorization") == EXPECTED:
            return True
        self.answer(401, envelope(None, 2000))
        return False

    def do_GET(self):
        if not self.allowed():
            return
        path = urlparse(self.path).path
        if path == "/ocpi/versions":
            self.answer(200, envelope([{"version": "2.2.1", "url": BASE + "/ocpi/2.2.1"}]))
        elif path == "/ocpi/2.2.1":
            self.answer(200, envelope({"version": "2.2.1", "endpoints": [
                {"identifier": "credentials", "role": "SENDER", "url": BASE + "/ocpi/2.2.1/credentials"},
                {"identifier": "tokens", "role": "SENDER", "url": BASE + "/ocpi/2.2.1/tokens"},
                {"identifier": "commands", "role": "SENDER", "url": BASE + "/results"}]}))
        else:
            self.answer(404, envelope(None, 2000))

    def do_POST(self):
        if not self.allowed():
            return
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        parts = url.path.strip("/").split("/")
        if url.path.startswith("/ocpi/2.2.1/tokens/") and parts[-1] == "authorize":
            uid = parts[-2]
            kind = parse_qs(url.query).get("type", ["RFID"])[0]
            location = json.loads(body).get("location_id", "-") if body else "-"
            print(f"authorize {uid} {kind} for {self.headers.get('OCPI-from-country-code')}/{self.headers.get('OCPI-from-party-id')} at {location}", flush=True)
            decision = "BLOCKED" if uid.startswith("BLK") else "ALLOWED"
            self.answer(200, envelope({"allowed": decision, "info": {"language": "en", "text": "Decided by the Oce platform"}}))
        elif url.path.startswith("/results/"):
            print(f"result {parts[-1]} {body}", flush=True)
            self.answer(200, envelope(None))
        else:
            self.answer(404, envelope(None, 2000))


ThreadingHTTPServer(("127.0.0.1", PORT), Platform).serve_forever()
