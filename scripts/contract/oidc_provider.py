"""A stand-in OpenID provider for the contract run, on 127.0.0.1 (standard library only).

It publishes a discovery document and an empty key set, so that sophie's sign-in endpoints
answer as they do with a real provider: `start` redirects to it, `link` answers its URL. Its
token endpoint refuses every code, so a callback schemathesis makes up is refused (401) as
one with a forged state is. The real sign-in is tested in tests/oidc.rs and against an
independent provider (scripts/oidc/interop.sh).

    python3 oidc_provider.py PORT
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
ISSUER = f"http://127.0.0.1:{PORT}"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
}


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/.well-known/openid-configuration":
            self.answer(200, DISCOVERY)
        elif self.path == "/jwks":
            self.answer(200, {"keys": []})
        else:
            self.answer(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        self.answer(400, {"error": "invalid_grant"})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
