"""bench/forms/attach.py — step 5 of bench/forms/run.sh: N submissions of the form "essai",
each with the same 5 MB PDF, CONC at a time over keep-alive connections, from one process
(the multipart body built once in memory: the figure is the server's, not that of starting a
curl per upload). Prints "<answered 201> <seconds>"; exits 1 naming the first other answer.

    python3 attach.py PORT CSRF_COOKIE CSRF_TOKEN PDF N CONC
"""
import http.client
import sys
import threading
import time


def body_of(pdf):
    boundary = "geodirbench7f3a9c"
    data = ('{"values":{"nom":"Dupont","courriel":"jeanne@example.org","age":40},'
            '"website":""}')
    with open(pdf, "rb") as f:
        content = f.read()
    parts = [
        ("--%s\r\nContent-Disposition: form-data; name=\"data\"\r\n"
         "Content-Type: application/json\r\n\r\n%s\r\n" % (boundary, data)).encode(),
        ("--%s\r\nContent-Disposition: form-data; name=\"file:piece\"; filename=\"piece.pdf\"\r\n"
         "Content-Type: application/pdf\r\n\r\n" % boundary).encode(),
        content, ("\r\n--%s--\r\n" % boundary).encode()]
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def main():
    port, cookie, token, pdf = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    n, conc = int(sys.argv[5]), int(sys.argv[6])
    body, ctype = body_of(pdf)
    headers = {"Content-Type": ctype, "Cookie": "geodir_csrf=" + cookie,
               "X-CSRF-Token": token}
    todo = list(range(n))
    lock = threading.Lock()
    ok, bad = [], []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not todo:
                    break
                todo.pop()
            conn.request("POST", "/api/forms/essai/submissions", body, headers)
            res = conn.getresponse()
            answer = res.read()
            with lock:
                (ok if res.status == 201 else bad).append((res.status, answer[:200]))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(ok), "%.4f" % (time.monotonic() - t0))
    if bad:
        sys.exit("attach.py: an upload was answered %d: %r" % bad[0])


main()
