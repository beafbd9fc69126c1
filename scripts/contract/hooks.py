"""Sessions for the contract run: schemathesis signs in as a student it creates itself.

The operations that end sessions or the account (sign-out, sign-out-all, DELETE /me,
POST /me/password) each get a throwaway student of their own, so that testing them does not
sign the run out of every other operation.
"""

import json
import os
import urllib.error
import urllib.request
import uuid

import schemathesis

BASE = os.environ["SOPHIE_URL"].rstrip("/")
PASSWORD = "contract-run-password"


def _sign_up(email: str) -> str:
    body = json.dumps({"name": "Contract Student", "email": email, "password": PASSWORD})
    request = urllib.request.Request(
        f"{BASE}/api/v1/auth/sign-up",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["token"]
    except urllib.error.HTTPError as error:
        if error.code != 409:
            raise
    body = json.dumps({"email": email, "password": PASSWORD})
    request = urllib.request.Request(
        f"{BASE}/api/v1/auth/sign-in",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


ENDS_SESSIONS = r"/auth/sign-out|/me/password$"


@schemathesis.auth().skip_for(path_regex=ENDS_SESSIONS).skip_for(method="DELETE", path="/api/v1/me")
class Student:
    """The student every other operation runs as."""

    def get(self, case, context):
        return _sign_up("contract.student@example.com")

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=ENDS_SESSIONS).apply_to(
    method="DELETE", path="/api/v1/me"
)
class Throwaway:
    """A new student for each case of an operation that ends sessions or the account."""

    def get(self, case, context):
        # Not cached (refresh_interval=None): a fresh student for every case.
        return _sign_up(f"leaver.{uuid.uuid4().hex}@example.com")

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(context, case, kwargs):
    """A cursor is only valid when the server issued it for that list: no schema can say which
    strings those are. Generated cursors stay in negative cases (they must be refused, and
    are); in positive ones they are dropped, since a made-up cursor cannot be "valid data".
    Cursors are exercised by the handler and end-to-end tests."""
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive and case.query:
        case.query.pop("cursor", None)
