"""The app served by its own process, so a browser test can kill the server in the middle of an
upload and start it again on the same port and database (tests/browser/test_server_restart.py).

Configured from the environment: APP_DATABASE_URL, APP_UPLOAD_DIR, APP_SECRET_KEY, APP_PORT.
Each request is logged as one JSON line to REQUEST_LOG (method, path, status, body bytes read), so
a test can count what the phone sent. With HOLD_PHOTO_REPLY=1 the reply to a photo upload is held
after the photo is stored, until the process is killed: the phone's reply is lost.
"""

import json
import os
import re
import time

from werkzeug.serving import WSGIRequestHandler, make_server

from inspect_app import create_app

PHOTO_POST = re.compile(r"^/inspections/\d+/items/\d+/photos$")


class CountingStream:
    """The request body, never read past its length, counting the bytes the app reads."""

    def __init__(self, stream, length: int):
        self.stream, self.left, self.count = stream, length, 0

    def _take(self, data: bytes) -> bytes:
        self.left -= len(data)
        self.count += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        return self._take(self.stream.read(size)) if size else b""

    def readline(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        return self._take(self.stream.readline(size)) if size else b""


class Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """The JSON log says what a test needs."""


def main() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["APP_DATABASE_URL"],
                      "UPLOAD_DIR": os.environ["APP_UPLOAD_DIR"],
                      "SECRET_KEY": os.environ["APP_SECRET_KEY"], "SERVER_NAME": None})
    log = open(os.environ["REQUEST_LOG"], "a", buffering=1)  # noqa: SIM115 - lives with the process
    hold = os.environ.get("HOLD_PHOTO_REPLY") == "1"

    def logged(environ, start_response):
        body = CountingStream(environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = body
        reply = {}

        def capture(status, headers, exc_info=None):
            reply.update(status=status, headers=headers)
            return lambda data: None

        chunks = b"".join(app(environ, capture))
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        log.write(json.dumps({"pid": os.getpid(), "method": method, "path": path,
                              "status": int(reply["status"].split()[0]), "bytes": body.count}) + "\n")
        if hold and method == "POST" and PHOTO_POST.match(path):
            time.sleep(3600)  # stored and committed; the reply never leaves
        start_response(reply["status"], reply["headers"])
        return [chunks]

    server = make_server("127.0.0.1", int(os.environ["APP_PORT"]), logged, threaded=True,
                         request_handler=Quiet)
    server.serve_forever()


if __name__ == "__main__":
    main()
