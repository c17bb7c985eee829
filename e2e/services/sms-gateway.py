"""A stand-in SMS provider: the HTTP gateway webhook of DESIGN §2a on
loopback. Each POSTed message {to, body, id} lands as RUN/sms/<n>.json (with
the Authorization header it came with), so a spec reads the code like a
phone would. usage: sms-gateway.py PORT DIR"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
lock = threading.Lock()
count = [0]


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            message = json.loads(body)
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        message["authorization"] = self.headers.get("Authorization", "")
        with lock:
            count[0] += 1
            path = os.path.join(out, f"{count[0]:06d}.json")
        with open(path + ".part", "w") as f:
            json.dump(message, f)
        os.rename(path + ".part", path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"accepted": true}')

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Gateway).serve_forever()
