#!/usr/bin/env python3
"""The LAN's side of "the LAN reaches the host": an HTTP server in the run's
namespace (persist-host.sh) that, asked GET /probe/IP by the guest, connects
from the LAN to IP port 9 and says whether the guest answered (a refusal is
an answer: the guest's kernel sent the RST) and which MAC the LAN learned
for IP (`ip neigh`); GET /leases is dnsmasq's lease file."""
import ipaddress
import os
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

WORK = os.environ.get("REWIRE_DEBIAN_WORK", ".")


def probe(ip):
    try:
        socket.create_connection((ip, 9), timeout=3).close()
        verdict = "answered (port open)"
    except ConnectionRefusedError:
        verdict = "answered (refused)"
    except OSError as e:
        verdict = "silent (%s)" % e
    neigh = subprocess.run(["ip", "neigh", "show", ip, "dev", "lan0"],
                           capture_output=True, text=True).stdout.strip()
    return "%s %s neigh: %s\n" % (ip, verdict, neigh or "none")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/probe/"):
            ip = self.path[len("/probe/"):]
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                return self.answer(400, "bad address\n")
            return self.answer(200, probe(ip))
        if self.path == "/leases":
            try:
                with open(os.path.join(WORK, "dnsmasq.leases")) as f:
                    return self.answer(200, f.read())
            except OSError as e:
                return self.answer(200, "none: %s\n" % e)
        self.answer(404, "no such path\n")

    def answer(self, code, body):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *args):
        sys.stderr.write("%s\n" % (args,))


HTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
