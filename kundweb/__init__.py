"""Kundweb: the intranet app of Luleå kommun's Kundcenter."""
import os

from flask import Flask

from kundweb.config import CONFIGS, check_production_config, production_trusted_hosts


def create_app(config=None):
    """Build the app. `config` is a config name, a class or a mapping of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    os.makedirs(app.instance_path, exist_ok=True)
    register_extensions(app)
    register_directory(app)
    register_login(app)
    register_url_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_proxy(app)
    return app


def load_config(app, config):
    """Config class by name (KUNDWEB_ENV), then instance/config.py, then explicit overrides."""
    overrides = {}
    if isinstance(config, dict):
        overrides = config
        config = overrides.get("ENV_NAME")
    if config is None:
        config = os.environ.get("KUNDWEB_ENV", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_class)
    if not app.config.get("TESTING") and not overrides.get("TESTING"):
        app.config.from_pyfile("config.py", silent=True)
    app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "kundweb.sqlite3"
        )
    if not app.config.get("AUDIT_CHECKPOINT_FILE"):
        app.config["AUDIT_CHECKPOINT_FILE"] = os.path.join(app.instance_path, "audit-checkpoints.log")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A ping before each use finds connections a database server dropped; a SQLite
        # file has no server, and the ping was a statement more on every request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        lock_timeout_ms = int(app.config["DATABASE_LOCK_TIMEOUT_SECONDS"] * 1000)
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        # The directory's tolerant search proposes names at least this near a typed word (pg_trgm's `<%`;
        # its default 0.6 misses one letter left out of a seven-letter name); Python decides (search.py).
        connection_options = f"-c lock_timeout={lock_timeout_ms} -c pg_trgm.word_similarity_threshold=0.4"
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **options, "connect_args": {**options.get("connect_args", {}), "options": connection_options}}
    if config_class is CONFIGS["production"]:
        check_production_config(app.config)
        app.config["TRUSTED_HOSTS"] = production_trusted_hosts(app.config)


def register_extensions(app):
    from kundweb.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from kundweb.database import enable_sqlite_pragmas

        with app.app_context():
            enable_sqlite_pragmas(db.engine)


def register_directory(app):
    from kundweb import ldap_client

    ldap_client.init_app(app)


def register_login(app):
    from kundweb.auth.decorators import init_login_manager

    init_login_manager(app)


def register_url_converters(app):
    from kundweb import converters

    converters.init_app(app)


def register_blueprints(app):
    from kundweb.answers import bp as answers_bp
    from kundweb.api import bp as api_bp
    from kundweb.auditlog import bp as auditlog_bp
    from kundweb.auth import bp as auth_bp
    from kundweb.companies import bp as companies_bp
    from kundweb.comparisons import bp as comparisons_bp
    from kundweb.crisis import bp as crisis_bp
    from kundweb.directory import bp as directory_bp
    from kundweb.enquiries import bp as enquiries_bp
    from kundweb.goals import bp as goals_bp
    from kundweb.hours import bp as hours_bp
    from kundweb.main import bp as main_bp
    from kundweb.records import bp as records_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(hours_bp)
    app.register_blueprint(crisis_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(companies_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(enquiries_bp)
    app.register_blueprint(goals_bp)
    app.register_blueprint(comparisons_bp)
    app.register_blueprint(auditlog_bp)
    app.register_blueprint(answers_bp)


def register_request_hooks(app):
    from kundweb import web

    web.init_app(app)


def register_error_handlers(app):
    from kundweb import errors

    errors.init_app(app)


def register_template_helpers(app):
    from kundweb import templating

    templating.init_app(app)


def register_proxy(app):
    """Behind TRUSTED_PROXIES reverse proxies, the client's address, scheme and host come from the
    X-Forwarded-* headers those hops set (the login throttle and the audit log see the person, not
    the proxy); with none, the headers are ignored."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_commands(app):
    from kundweb import cli

    cli.init_app(app)
