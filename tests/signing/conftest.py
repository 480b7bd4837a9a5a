"""Real parts for the signing tests (the SMTP server is tests/smtp.py's `mail_server`): a SoftHSM2 token with a key generated
on it, and a switch that turns the PKI responders off (any HTTP request then fails)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests_mock
import yaml

from app.signing import testpki

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "token-secretar"
TOKEN_PIN = "4821"


@pytest.fixture
def responders_off():
    """No OCSP, CRL or TSA answers for the test: any HTTP request raises (proves nothing is fetched)."""
    testpki.stop_responders(suspend=True)
    blocker = requests_mock.Mocker(real_http=False)
    blocker.start()
    try:
        yield blocker
    finally:
        blocker.stop()
        testpki.resume_responders()


def _run(*args: str, env: dict) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory):
    """A SoftHSM2 token whose RSA key is generated on the token (it never leaves it), and a certificate for that
    key issued by the demo intermediate CA (a copy of the test PKI with the token's public key added)."""
    for tool in ("softhsm2-util", "pkcs11-tool"):
        if not shutil.which(tool):
            pytest.fail(
                f"{tool} is required (Debian softhsm2 / opensc): run `make test`, which installs them"
            )
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read when the module is first loaded
    env = {**os.environ}
    _run(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        TOKEN_LABEL,
        "--pin",
        TOKEN_PIN,
        "--so-pin",
        "90210",
        env=env,
    )
    tool = ["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL]
    _run(
        *tool,
        "--login",
        "--pin",
        TOKEN_PIN,
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--label",
        "semnare",
        "--id",
        "01",
        env=env,
    )
    _run(
        *tool, "--read-object", "--type", "pubkey", "--label", "semnare", "-o", str(base / "pub.der"), env=env
    )
    _run(
        "openssl",
        "pkey",
        "-pubin",
        "-inform",
        "DER",
        "-in",
        str(base / "pub.der"),
        "-out",
        str(base / "token.pub.pem"),
        env=env,
    )

    config = yaml.safe_load(testpki.CONFIG.read_text())
    keys_dir = base / "keys"
    shutil.copytree(testpki.CONFIG.parent / "keys", keys_dir)
    shutil.copy(base / "token.pub.pem", keys_dir / "token.pub.pem")
    config["keysets"]["demo"]["keys"]["token"] = {"path": "token.pub.pem", "public-only": True}
    arch = config["pki-architectures"]["demo"]
    arch["entities"]["token"] = {"common-name": "Gheorghe Stănescu", "organizational-unit-name": "Token"}
    arch["certs"]["token"] = {**arch["certs"]["secretar"], "subject": "token", "subject-key": "token"}
    from certomancer.registry import CertomancerConfig

    pki = CertomancerConfig(config, key_search_dir=str(base)).get_pki_arch("demo")
    return {
        "module": SOFTHSM_MODULE,
        "token_label": TOKEN_LABEL,
        "key_label": "semnare",
        "pin": TOKEN_PIN,
        "certificate": pki.get_cert("token"),
        "chain": [pki.get_cert("interm"), pki.get_cert("root")],
        "arch": pki,
        "path": Path(base),
    }


# --- a remote signing provider speaking the CSC API (tests/signing/csc_provider.py) ------------------------------

CSC_CLIENT_ID = "registratura-cj-brasov"
CSC_CLIENT_SECRET = "secret-client-test"
CSC_REDIRECT = "http://localhost/semnare-cloud/retur"  # the test client's url_for(..., _external=True)
CSC_PASSWORD = "parola-furnizor"


@pytest.fixture(scope="session")
def csc_service():
    """The CSC service on 127.0.0.1 with the provider's own accounts and credentials over the TEST PKI: Elena
    Dumitrescu (qualified and an ordinary certificate), Ana Popescu (qualified), a revoked, an expired and a
    foreign-root signer."""
    from tests.signing.csc_provider import CscProvider

    demo, strain = testpki.arch(), testpki.arch(testpki.UNTRUSTED_ARCH)
    provider = CscProvider()
    provider.add_client(CSC_CLIENT_ID, CSC_CLIENT_SECRET, [CSC_REDIRECT])
    chain = ["interm", "root"]
    for account in ("elena", "ana", "revocat", "expirat", "strain"):
        provider.add_account(account, CSC_PASSWORD)
    provider.add_credential("elena-calificat", "elena", demo, "referent-calificat", chain)
    provider.add_credential("elena-avansat", "elena", demo, "referent", chain)
    provider.add_credential("ana-calificat", "ana", demo, "cetatean-calificat", chain)
    provider.add_credential("revocat", "revocat", demo, "revocat", chain)
    provider.add_credential("expirat", "expirat", demo, "expirat", chain)
    provider.add_credential("strain", "strain", strain, "strain-semnatar", ["strain-root"])
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def csc_provider(csc_service, app):
    """The service registered as a provider of the demo county council (its roots: the TEST PKI's root). Tests
    that drive pages open their own app contexts around direct database work: a request context held open would
    share its `g` (and its logged-in user) with every test-client request."""
    from asn1crypto import pem
    from sqlalchemy import select

    from app.extensions import db
    from app.identity.models import Institution
    from app.signing.providers import register_provider

    csc_service.fault = None
    with app.test_request_context():
        institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
        provider = register_provider(
            institution,
            name="Furnizor calificat TEST",
            base_url=csc_service.base_url,
            client_id=CSC_CLIENT_ID,
            client_secret=CSC_CLIENT_SECRET,
            trust_roots_pem=pem.armor("CERTIFICATE", testpki.root_certificate().dump()).decode(),
        )
        db.session.commit()
        provider_id = provider.id
        db.session.remove()
    yield provider_id
    csc_service.fault = None
