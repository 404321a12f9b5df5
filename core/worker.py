"""RQ worker for batch jobs and after-commit work when ``REDIS_URL`` is set:
``python -m core.worker`` (run as many as needed, on any machine reaching Redis)."""

from __future__ import annotations

import os
import sys


def main() -> int:
    from redis import Redis
    from rq import Queue, Worker

    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set: the embedded default runs jobs inline", file=sys.stderr)
        return 2
    connection = Redis.from_url(url)
    Worker([Queue("default", connection=connection)], connection=connection).work()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
