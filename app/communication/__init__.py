"""Two-way communication about a document: completion requests to the citizen, formal messages to the citizen
(recorded in the document's history), and the staff's informal comment thread (never shown to the citizen)."""


def init_app(app) -> None:
    from app.communication.views import bp

    app.register_blueprint(bp)
