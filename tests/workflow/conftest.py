import pytest


@pytest.fixture(autouse=True, scope="session")
def _helpers_registered():
    """The engine knows script helpers only as their packages register them (in init_app); tests here that check or
    run BPMN without the application register them the same way."""
    from app.correspondence.route_steps import register_route_steps as register_answers
    from app.registry.route_steps import register_route_steps as register_document_steps

    register_document_steps()
    register_answers()
