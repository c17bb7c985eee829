"""Signs in the fuzzing admin: accepts the contract invitation printed by
`muster enterprise create` with a password, signs in and elevates, then
prints the bearer token for e2e/fuzz.sh.
usage: setup.py BASE_URL INVITATION_LINK EMAIL PASSWORD"""
import json
import sys
import urllib.parse
import urllib.request

base, link, email, password = sys.argv[1:5]


def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


invitation = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
call("POST", "/api/v1/invitations/accept", {"token": invitation, "password": password})
token = call("POST", "/api/v1/sessions", {"email": email, "password": password})["token"]
call("POST", "/api/v1/sessions/current/elevate", {"password": password}, token)
print(token)
