"""Ingestion benchmark: a 100-page PDF (tests/fixtures/lecture-100.pdf) from upload to READY
through a release `sophie serve` (its embedded worker, offline embeddings), beside
`pdftotext` on the same file, in the same run. Prints the median of ROUNDS of each.

The end is the document's `updatedAt` when it is READY (the server's clock, which is this
machine's): the client looks every 50 ms, so its looking neither adds to the time nor takes
the CPU the server works with (on two cores, polling every few milliseconds did both).

    python3 scripts/bench-ingest.py target/release/sophie [DATABASE_URL]

Without DATABASE_URL the server runs in memory. Loopback only.
"""
import datetime, json, os, statistics, subprocess, sys, tempfile, time, urllib.request, uuid

ROUNDS = 7
BIN = sys.argv[1]
DATABASE_URL = sys.argv[2] if len(sys.argv) > 2 else None
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "lecture-100.pdf")
PDF = open(FIXTURE, "rb").read()


def request(base, method, path, token=None, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=120) as response:
        return json.loads(response.read() or b"null")


def multipart(name, data):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def main():
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "error"}
    env.pop("DATABASE_URL", None)
    if DATABASE_URL:
        env["DATABASE_URL"] = DATABASE_URL
    with tempfile.TemporaryDirectory() as blobs:
        env["BLOB_DIR"] = blobs
        server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().strip().split("listening on ")[1]
            signed = request(base, "POST", "/api/v1/auth/sign-up", body=json.dumps({
                "name": "Bench", "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                "password": "correct horse battery"}).encode())
            token = signed["token"]
            sophie = []
            for _ in range(ROUNDS):
                body, content_type = multipart("lecture-100.pdf", PDF)
                start = time.time()
                document = request(base, "POST", "/api/v1/documents", token, body, content_type)
                while document["status"] not in ("READY", "FAILED"):
                    time.sleep(0.05)
                    document = request(base, "GET", f"/api/v1/documents/{document['id']}", token)
                assert document["status"] == "READY" and document["pageCount"] == 100, document
                ready = datetime.datetime.fromisoformat(document["updatedAt"].replace("Z", "+00:00"))
                sophie.append(ready.timestamp() - start)
        finally:
            server.terminate()
            server.wait()
    pdftotext = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        subprocess.run(["pdftotext", FIXTURE, "/dev/null"], check=True)
        pdftotext.append(time.perf_counter() - start)
    a, b = statistics.median(sophie), statistics.median(pdftotext)
    storage = "PostgreSQL" if DATABASE_URL else "memory"
    print(f"upload to READY ({storage}, {ROUNDS} rounds): median {a * 1000:.0f} ms "
          f"(min {min(sophie) * 1000:.0f}, max {max(sophie) * 1000:.0f})")
    print(f"pdftotext on the same file:           median {b * 1000:.0f} ms")
    print(f"ratio: {a / b:.2f}x")


main()
