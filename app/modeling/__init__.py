"""The process modeler in the browser, for process analysts (role `analist`): open a document type's route in the
bpmn-js modeler, check it with the deployment checks, deploy it as a new version; edit its forms; move running
documents to the current version."""


def init_app(app) -> None:
    from app.modeling import versions_views  # noqa: F401  (the versions pages, on the same blueprint)
    from app.modeling.views import bp

    app.register_blueprint(bp)
