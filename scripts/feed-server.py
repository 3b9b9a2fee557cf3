#!/usr/bin/env python3
"""A cctray feed on 127.0.0.1 for the scale measurements (scripts/scale).

  feed-server.py PORT PROJECTS [--delay SECONDS] [--flip SECONDS] [--log FILE]

Serves a cctray document of PROJECTS projects at any path. --delay holds every answer back
that long (a slow CI server); --flip changes about a tenth of the statuses every SECONDS (a
busy wall); --log appends the monotonic time of each request's arrival, one per line. Prints
"ready" on stdout once it listens. Python's standard library only."""

import argparse
import http.server
import socketserver
import sys
import threading
import time


def feed(projects, generation):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Projects>\n']
    for i in range(projects):
        failing = (i * 7 + generation) % 10 == 0
        status = "Failure" if failing else "Success"
        parts.append(
            f'<Project name="service-{i:06d}" activity="Sleeping" '
            f'lastBuildStatus="{status}" lastBuildLabel="{1000 + generation}" '
            f'lastBuildTime="2026-11-20T12:{generation % 60:02d}:00Z" '
            f'webUrl="http://127.0.0.1/job/service-{i:06d}/"/>\n'
        )
    parts.append("</Projects>\n")
    return "".join(parts).encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("projects", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--flip", type=float, default=0.0)
    parser.add_argument("--log")
    args = parser.parse_args()
    started = time.monotonic()
    cache = {}
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1) if args.log else None

    def body():
        generation = int((time.monotonic() - started) / args.flip) if args.flip else 0
        with lock:
            if generation not in cache:
                cache.clear()
                cache[generation] = feed(args.projects, generation)
            return cache[generation]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if log:
                log.write(f"{time.monotonic():.6f}\n")
            if args.delay:
                time.sleep(args.delay)
            data = body()
            self.send_response(200)
            self.send_header("content-type", "application/xml")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        request_queue_size = 1024

    server = Server(("127.0.0.1", args.port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
