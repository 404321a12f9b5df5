"""The bare Flask endpoint the position page is compared with (``bench/position_bench.py``):
no database, no template, no extensions — Flask's own request/response cycle only."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok\n"
