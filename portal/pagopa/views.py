from flask import Blueprint

bp = Blueprint("pagopa", __name__, url_prefix="/pagopa")
