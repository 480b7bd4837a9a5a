"""The test ROeID provider for the identity tests: one node process per module, the app pointed at it per test."""

import pytest

from tests.identity.roeid import configure, start_provider


@pytest.fixture(scope="module")
def roeid_provider(tmp_path_factory):
    # The Flask test client's site is http://localhost.
    provider = start_provider("http://localhost", tmp_path_factory.mktemp("roeid"))
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def roeid(app, roeid_provider):
    saved = configure(app, roeid_provider)
    try:
        yield roeid_provider
    finally:
        app.config.update(saved)
