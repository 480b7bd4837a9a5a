"""The process modeler in the browser, for process analysts (role `analist`): open a document type's route in the
bpmn-js modeler, check it with the deployment checks, deploy it as a new version; edit its forms; move running
documents to the current version."""

from app.modeling.views import bp

__all__ = ["bp"]

from app.modeling import versions_views  # noqa: E402,F401  (the versions pages, on the same blueprint)
