"""Benchmark: PAdES signatures per second and validation time, with the committed TEST PKI in process.

    make bench                          # runs bench/run.py, then this
    .venv/bin/python bench/signing.py [--rounds N]

No database and no network: the answer letter is rendered once with two empty signature fields, then signed
again and again into the first field (the same bytes each time, so every round does the same work). The TSA,
OCSP and CRL responders are certomancer's, in process, reached through the same requests-based clients a
deployment uses. Prints a table and writes bench/results/signing.json."""

import argparse
import asyncio
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS_DIR = ROOT / "bench" / "results"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def timed(function, rounds: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        function()
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    median = statistics.median(durations)
    return {
        "rounds": rounds,
        "median_ms": round(median * 1000, 1),
        "p90_ms": round(sorted(durations)[int(0.9 * (rounds - 1))] * 1000, 1),
        "per_second": round(1 / median, 1),
    }


def softhsm_signer(tmp: Path):
    """A SoftHSM2 token with an RSA key generated on it, and the demo referent's certificate standing in for the
    token's own (the bench measures the signing cost, not the certificate)."""
    if not (Path(SOFTHSM_MODULE).exists() and shutil.which("softhsm2-util") and shutil.which("pkcs11-tool")):
        return None
    from asn1crypto import x509
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    from app.signing import testpki

    (tmp / "tokens").mkdir(parents=True)
    conf = tmp / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = dict(os.environ)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "5678"],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    subprocess.run(
        ["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "bench", "--login", "--pin", "1234",
         "--keypairgen", "--key-type", "rsa:2048", "--label", "semnare", "--id", "01"],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    session = open_pkcs11_session(
        SOFTHSM_MODULE, token_criteria=TokenCriteria(label="bench"), user_pin="1234"
    )
    pki = testpki.arch()

    def parsed(label):
        return x509.Certificate.load(pki.get_cert(label).dump())

    return PKCS11Signer(
        session,
        key_label="semnare",
        signing_cert=parsed("referent"),
        ca_chain=[parsed("interm"), parsed("root")],
    )


def cloud_round_trip(app, pdf: bytes, field: str, rounds: int) -> dict:
    """A signature through the CSC API on loopback: the product's client (app/signing/cloud.py) against the tests'
    CSC service (tests/signing/csc_provider.py) on 127.0.0.1, the provider's login pages answered as a browser
    would. No database: the signing and provider rows stay in memory."""
    import html
    import logging
    import re
    from urllib.parse import parse_qs, urlsplit

    import requests
    from asn1crypto import pem

    from app.identity.models import Institution, User
    from app.registry.models import Document
    from app.signing import cloud, testpki
    from app.signing.cloud import CloudSigning, Stage, Target
    from app.signing.keys import encrypt
    from app.signing.pki import current_pki
    from tests.signing.csc_provider import CscProvider

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the service's request log
    redirect_uri = "http://localhost/semnare-cloud/retur"
    service = CscProvider()
    service.add_client("bench", "secret", [redirect_uri])
    service.add_account("elena", "parola")
    service.add_credential("elena", "elena", testpki.arch(), "referent-calificat", ["interm", "root"])
    service.start()
    provider = cloud.SigningProvider(
        id=1, institution_id=1, name="bench", base_url=service.base_url, client_id="bench", active=True,
        client_secret_blob=encrypt(b"secret"),
        trust_roots_pem=pem.armor("CERTIFICATE", testpki.root_certificate().dump()).decode(),
    )  # fmt: skip
    user = User(id=1, username="referent", full_name="Elena Dumitrescu", email="e@x")
    document = Document(id=1, institution_id=1, institution=Institution(id=1, name="CJ"))
    target = Target(
        data=pdf, field=field, certify=True, name=user.full_name, function="Consilier", reason="Bench"
    )
    pki = current_pki()

    def browser_at_provider(location: str) -> str:
        page = requests.get(location, timeout=10).text
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
        fields = {k: html.unescape(v) for k, v in fields.items()}
        answer = requests.post(
            location.split("?")[0], data={**fields, "username": "elena", "password": "parola"},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]

    def one_signature() -> bytes:
        signing = CloudSigning(
            public_id="bench", user=user, provider=provider, document=document, stage=Stage.SERVICE,
            expires_at=cloud.now_utc() + cloud.LIFETIME, credentials=[], prepared={},
        )  # fmt: skip
        cloud.receive_code(
            signing, browser_at_provider(cloud.authorization_url(signing, redirect_uri)), redirect_uri
        )
        cloud.choose_credential(signing, "elena", target)
        cloud.receive_code(
            signing, browser_at_provider(cloud.authorization_url(signing, redirect_uri)), redirect_uri
        )
        signed, _report = cloud.finish(signing, service.last_otp("elena"), pdf, pki)
        return signed

    def last_step() -> bytes:
        signing = CloudSigning(
            public_id="bench", user=user, provider=provider, document=document, stage=Stage.SERVICE,
            expires_at=cloud.now_utc() + cloud.LIFETIME, credentials=[], prepared={},
        )  # fmt: skip
        cloud.receive_code(
            signing, browser_at_provider(cloud.authorization_url(signing, redirect_uri)), redirect_uri
        )
        cloud.choose_credential(signing, "elena", target)
        cloud.receive_code(
            signing, browser_at_provider(cloud.authorization_url(signing, redirect_uri)), redirect_uri
        )
        started = time.perf_counter()
        cloud.finish(signing, service.last_otp("elena"), pdf, pki)
        return time.perf_counter() - started

    try:
        results = {
            "whole CSC signature on loopback (2 OAuth code flows, list, info, sendOTP, authorize, signHash, B-T, "
            "validation)": timed(one_signature, rounds, warmup=1)
        }
        durations = sorted(last_step() for _ in range(rounds))
        median = statistics.median(durations)
        results["last step: authorize + signHash + B-T + validation"] = {
            "rounds": rounds,
            "median_ms": round(median * 1000, 1),
            "p90_ms": round(durations[int(0.9 * (rounds - 1))] * 1000, 1),
            "per_second": round(1 / median, 1),
        }
    finally:
        service.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="measured signatures per variant (default 40)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-signing-"))
    os.environ.setdefault("SECRET_KEY", "bench")
    from app import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "INSTANCE_DIR": str(tmp / "instance"),
            "STORAGE_DIR": str(tmp / "storage"),
            "SIGNING_TEST_PKI": True,
            "SCHEDULER_ENABLED": False,
        }
    )
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "signing": {}}
    with app.test_request_context():
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign import signers
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.ades import ades_lta_validation
        from pyhanko_certvalidator import ValidationContext

        from app.correspondence.answer_pdf import AnswerLetter, render_answer_pdf, signature_boxes
        from app.signing import testpki
        from app.signing.keys import KeptKeySigner, check_signing_certificate
        from app.signing.pdf import SIGNATURE_BYTES, add_archive_evidence, add_signature_fields, sign_pdf
        from app.signing.pki import current_pki
        from app.signing.validation import validate_pdf

        pki = current_pki()
        letter = AnswerLetter(
            institution_name="Consiliul Județean Brașov",
            department_name="Serviciul Relații cu Publicul",
            registration_label="Nr. 1/21.11.2026",
            issue_date_label="21.11.2026",
            recipient_name="Ana Popescu",
            recipient_address="Str. Republicii nr. 10, Brașov",
            subject="Răspuns la petiția nr. 1/21.11.2026",
            body="Echipa de întreținere repară iluminatul până la 30.11.2026. Vă mulțumim pentru sesizare.",
            signers=[("Elena Dumitrescu", "Consilier"), ("Mihai Ionescu", "Șef serviciu")],
        )
        pdf = render_answer_pdf(letter, app.config["FONT_DIR"])
        pdf, names = add_signature_fields(pdf, signature_boxes(letter, app.config["FONT_DIR"]))
        arch = testpki.arch()
        registry_certs = [arch.get_cert("interm"), arch.get_cert("root")]

        def simple(cls):
            """Certificates parsed from DER, as they come from a PKCS#12 file: certomancer's own objects are
            built in memory and re-encode themselves at every dump()."""
            from asn1crypto import x509
            from pyhanko_certvalidator.registry import SimpleCertificateStore

            store = SimpleCertificateStore()
            store.register_multiple([x509.Certificate.load(c.dump()) for c in registry_certs])
            return cls(
                signing_cert=x509.Certificate.load(arch.get_cert("referent").dump()),
                signing_key=arch.key_set.get_private_key("referent"),
                cert_registry=store,
            )

        kept, reloading = simple(KeptKeySigner), simple(signers.SimpleSigner)

        def bare(signer):
            """PAdES B-B into the existing field, no visible stamp: the signature's own cost."""
            meta = signers.PdfSignatureMetadata(field_name=names[0], md_algorithm="sha256", certify=True)
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
            return signers.PdfSigner(meta, signer).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES).getvalue()

        def full(signer, timestamper):
            return sign_pdf(
                pdf, signer, field_name=names[0], certify=True, name="Elena Dumitrescu",
                function="Consilier", reason="Bench", timestamper=timestamper,
            )  # fmt: skip

        bench = results["signing"]
        bench["B-B, key kept loaded (KeptKeySigner)"] = timed(lambda: bare(kept), args.rounds)
        bench["B-B, key re-parsed per signature (pyhanko SimpleSigner)"] = timed(
            lambda: bare(reloading), args.rounds
        )
        token = softhsm_signer(tmp / "softhsm")
        if token is not None:
            bench["B-B, key on a SoftHSM2 token (PKCS#11)"] = timed(lambda: bare(token), args.rounds)
        bench["B-B + visible stamp (reportlab + DejaVu)"] = timed(lambda: full(kept, None), args.rounds)
        bench["B-T + stamp, reused timestamper (TSA in process)"] = timed(
            lambda: full(kept, pki.timestamper), args.rounds
        )
        bench["certificate check before signing (OCSP + CRL)"] = timed(
            lambda: check_signing_certificate(kept, pki, "bench"), args.rounds
        )

        signed_bt = full(kept, pki.timestamper)
        second = sign_pdf(
            signed_bt, simple(KeptKeySigner), field_name=names[1], certify=False, name="Mihai Ionescu",
            function="Șef serviciu", reason="Bench", timestamper=pki.timestamper,
        )  # fmt: skip
        archived = add_archive_evidence(second, pki)
        validation: dict = {}
        validation["one signature, pyhanko only, no revocation"] = timed(
            lambda: validate_pdf_signature(
                PdfFileReader(io.BytesIO(signed_bt)).embedded_signatures[0],
                ValidationContext(trust_roots=pki.trust_roots),
            ),
            args.rounds,
        )
        validation["report of a 2-signature answer (pyhanko + AdES, OCSP/CRL online)"] = timed(
            lambda: validate_pdf(second, pki), max(10, args.rounds // 4)
        )
        validation["report of the archived (B-LTA) file, local data only"] = timed(
            lambda: validate_pdf(archived, pki, online=False), max(10, args.rounds // 4)
        )
        spec = pki.ades_spec(online=False)
        validation["AdES LTA of one archived signature, local data only"] = timed(
            lambda: asyncio.run(
                ades_lta_validation(PdfFileReader(io.BytesIO(archived)).embedded_signatures[0], spec)
            ),
            max(10, args.rounds // 4),
        )
        results["validation"] = validation
        results["archive"] = {
            "B-LTA of a 2-signature answer": timed(lambda: add_archive_evidence(second, pki), 5, warmup=1)
        }
        results["cloud"] = cloud_round_trip(app, pdf, names[0], max(5, args.rounds // 4))

    width = max(len(k) for section in ("signing", "validation", "archive", "cloud") for k in results[section])
    print(
        f"PAdES with the TEST PKI in process ({results['machine']['cpus']} CPUs, Python {platform.python_version()})"
    )
    sections = (
        ("signing", "Signing"),
        ("validation", "Validation"),
        ("archive", "Archive"),
        ("cloud", "Cloud"),
    )
    for section, title in sections:
        print(f"\n{title:<{width}}  median ms    p90 ms   per second")
        for name, figures in results[section].items():
            print(
                f"{name:<{width}}  {figures['median_ms']:>9}  {figures['p90_ms']:>8}  {figures['per_second']:>10}"
            )
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "signing.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    shutil.rmtree(tmp, ignore_errors=True)
    budget = results["signing"]["B-B, key kept loaded (KeptKeySigner)"]["median_ms"]
    print(f"\nB-B median {budget} ms (issue 5 target: at most about 30 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
