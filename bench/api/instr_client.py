"""bench/api/instr_client.py — N requests of one scenario of bench/api/instr.sh, one after the
other on one keep-alive connection, at the centres (or over the boxes) of the peers' query
boxes, like points.lua and bbox.lua do for wrk. Prints the body bytes received.

    python3 instr_client.py PORT BOXES N near|text|synonym|autocomplete|name|ogc|bbox
"""
import http.client
import sys


def urls(boxes, kind):
    for line in open(boxes, encoding="ascii"):
        a, b, c, d = map(float, line.split())
        point = "lat=%.6f&lon=%.6f" % ((b + d) / 2, (a + c) / 2)
        box = "%s,%s,%s,%s" % (a, b, c, d)
        yield {"near": "/api/places?" + point + "&radius=5000&k=20",
               "text": "/api/places?q=boulangerie&limit=20&" + point,
               # a text naming a category and matching no name (issue 14: médecin -> gp)
               "synonym": "/api/places?q=m%C3%A9decin&limit=20&" + point,
               "autocomplete": "/api/autocomplete?q=pharm&" + point,
               "name": "/api/places?q=tilleuls&limit=20&" + point,   # names no category
               "ogc": "/ogc/collections/places/items?f=json&limit=50&bbox=" + box,
               "bbox": "/api/places?limit=50&bbox=" + box}[kind]


def main():
    port, boxes, n, kind = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    todo = list(urls(boxes, kind))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    total = 0
    for i in range(n):
        conn.request("GET", todo[i % len(todo)])
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            sys.exit("instr_client: %s answered %d: %r" % (todo[i % len(todo)], res.status, body[:200]))
        total += len(body)
    print(total)


main()
