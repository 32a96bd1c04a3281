"""gunicorn settings for `make run` and the benchmark: one worker process per core (Python runs
one thread at a time per process, so more processes than cores only queue), 4 threads each for
requests waiting on the database or the network."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = 120
