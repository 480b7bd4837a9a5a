"""The register: documents, numbering, deadlines, who may see what, registers, types each institution receives."""


def init_app(app) -> None:
    from app.identity.persons import STAFF_MAY_SEE_PERSON
    from app.registry import types_views  # noqa: F401  (its routes join the registry blueprint)
    from app.registry.access import staff_sees_a_document_of
    from app.registry.cli import register_registry_cli
    from app.registry.models import install_audit_hooks
    from app.registry.route_steps import register_route_steps
    from app.registry.views import bp

    app.register_blueprint(bp)
    from app.registry import text_search

    text_search.init_app(app)  # diacritics-insensitive search (f_unaccent on SQLite too)
    from app.workflow import texts

    texts.init_app(
        app
    )  # step names and instructions in the reader's language (|step_name, |step_instructions)
    register_registry_cli(app)  # flask registry freeze-day
    register_route_steps()
    install_audit_hooks()
    from app.registry.route_steps import close_cancelled
    from app.workflow.operations import ON_CANCELLED

    if close_cancelled not in ON_CANCELLED:
        ON_CANCELLED.append(
            close_cancelled
        )  # an operator cancelled the route: the document closes with the note
    if staff_sees_a_document_of not in STAFF_MAY_SEE_PERSON:
        STAFF_MAY_SEE_PERSON.append(staff_sees_a_document_of)
