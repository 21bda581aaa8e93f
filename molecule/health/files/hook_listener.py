"""A webhook listener for the health scenario: every POST body is appended to OUT as one line."""
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

OUT = sys.argv[2]


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the name http.server wants)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(OUT, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("0.0.0.0", int(sys.argv[1])), Hook).serve_forever()
