"""Stops `sophie serve` with SIGTERM while 16 clients open connections and send GET /healthz
in a loop, and counts how each attempt ended: answered 200, turned away with 503, refused at
connect (safe to retry), or reset after the request was sent (the failure). Three rounds.

    python3 scripts/stop-under-load.py target/release/sophie
"""
import socket, subprocess, threading, time, os, signal, sys
BIN = sys.argv[1]
def run_once():
    p = subprocess.Popen([BIN, "serve"], env={**os.environ, "HOST":"127.0.0.1","PORT":"0","LOG_LEVEL":"error"}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    addr = line.strip().split("http://")[1]
    host, port = addr.split(":"); port=int(port)
    stats = {"ok":0,"refused":0,"reset":0,"other":0,"turned":0}
    lock = threading.Lock()
    stop = time.time() + 1.5
    def client():
        while time.time() < stop:
            s = socket.socket(); s.settimeout(5)
            try:
                s.connect((host, port))
            except (ConnectionRefusedError, ConnectionResetError):
                with lock: stats["refused"] += 1
                s.close(); time.sleep(0.001); continue
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = s.recv(100)
                k = "ok" if data.startswith(b"HTTP/1.1 200") else ("turned" if data.startswith(b"HTTP/1.1 503") else ("reset" if data == b"" else "other"))
            except (ConnectionResetError, BrokenPipeError):
                k = "reset"
            except Exception as e:
                k = "other"
            with lock: stats[k] += 1
            s.close()
    ts = [threading.Thread(target=client) for _ in range(16)]
    for t in ts: t.start()
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    for t in ts: t.join()
    p.wait(timeout=40)
    return stats
for i in range(3):
    print(run_once())
