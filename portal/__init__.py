"""The citizens' portal: sign in with the letter's codes, see and pay the position, file
requests. Built by ``core.factory.create_app("portal")``."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from core import accounts
from core.pages import bp as pages_bp


def register(app: Flask) -> None:
    login = LoginManager(app)
    login.login_view = "auth.sign_in"
    login.login_message = _l("Please sign in with the codes printed on your letter.")
    login.login_message_category = "info"
    login.session_protection = "strong"
    login.user_loader(accounts.load_citizen)

    from core.collection.receipts import allocation_label, channel_label

    from .account.views import bp as account_bp
    from .appeals.views import bp as appeals_bp
    from .auth.views import bp as auth_bp
    from .driver.views import bp as driver_bp
    from .home.views import bp as home_bp
    from .instalments.views import bp as instalments_bp
    from .messages.views import bp as messages_bp
    from .pagopa.views import bp as pagopa_bp
    from .payments.views import bp as payments_bp
    from .position import texts
    from .position.views import bp as position_bp
    from .requests.views import bp as requests_bp
    from .verify.views import bp as verify_bp

    app.jinja_env.globals.update(texts=texts, channel_label=channel_label,
                                 allocation_label=allocation_label)
    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(position_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(pagopa_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(appeals_bp)
    app.register_blueprint(driver_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(instalments_bp)
    app.register_blueprint(pages_bp)
