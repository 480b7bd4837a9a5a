"""A remote signing service speaking the Cloud Signature Consortium API 1.0.4.0 on 127.0.0.1, over keys of the
committed TEST PKI: the tests' stand-in for a qualified trust service provider, as aiosmtpd is for e-mail.

It is an independent implementation of the protocol (nothing here imports the product's client):
- OAuth 2.0 authorization code flow: `GET/POST /oauth2/authorize` (a login form of the provider's own accounts;
  scope `service`, or `credential` with credentialID, numSignatures and the hashes to sign), `POST /oauth2/token`
  (client id and secret, one-time codes bound to the redirect URI);
- `/csc/v1/info`, `credentials/list`, `credentials/info`, `credentials/sendOTP` (the one-time code goes to
  `otp_outbox`, the "SMS"), `credentials/authorize` (credential-scope token + OTP -> SAD bound to the hashes,
  single use) and `signatures/signHash` (signs with the key, RSA PKCS#1 v1.5).

`fault` makes it misbehave for the bad-input tests: "down" (503 everywhere), "slow" (answers after `delay`
seconds), "malformed" (signHash answers garbage), "other_hash" (signs a hash that is not the one asked),
"stale_sad" (credentials/authorize hands out the SAD it issued last, already spent). `otp_valid` is the one-time
codes' lifetime in seconds."""

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from asn1crypto import algos
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils
from flask import Flask, jsonify, redirect, request
from werkzeug.serving import make_server

OTP_VALID = 300
SAD_VALID = 300
RSA_ALGOS = ["1.2.840.113549.1.1.11", "1.2.840.113549.1.1.1"]  # sha256WithRSAEncryption, rsaEncryption


@dataclass
class Credential:
    id: str
    owner: str
    certificates: list  # asn1crypto certificates, the signer's first
    key: object  # cryptography private key

    def info(self) -> dict:
        cert = self.certificates[0]
        return {
            "description": "Certificat de semnătură (TEST)",
            "key": {"status": "enabled", "algo": RSA_ALGOS, "len": 2048},
            "cert": {
                "status": "valid",
                "certificates": [base64.b64encode(c.dump()).decode() for c in self.certificates],
                "issuerDN": cert.issuer.human_friendly,
                "serialNumber": format(cert.serial_number, "x"),
                "subjectDN": cert.subject.human_friendly,
                "validFrom": cert.not_valid_before.strftime("%Y%m%d%H%M%SZ"),
                "validTo": cert.not_valid_after.strftime("%Y%m%d%H%M%SZ"),
            },
            "authMode": "oauth2code",
            "SCAL": "2",
            "OTP": {"presence": "true", "type": "online", "format": "N", "label": "Cod SMS", "ID": "sms"},
            "multisign": 1,
            "lang": "ro-RO",
        }


@dataclass
class CscProvider:
    clients: dict = field(default_factory=dict)  # client_id -> (secret, [redirect URIs])
    accounts: dict = field(default_factory=dict)  # username -> password
    credentials: dict = field(default_factory=dict)  # credential id -> Credential
    otp_outbox: dict = field(default_factory=dict)  # credential id -> [codes sent]
    fault: str | None = None
    delay: float = 3.0
    otp_valid: float = OTP_VALID
    _last_sad: str | None = None
    requests_seen: list = field(default_factory=list)
    _codes: dict = field(default_factory=dict)
    _tokens: dict = field(default_factory=dict)
    _otps: dict = field(default_factory=dict)
    _sads: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    # --- set-up ---------------------------------------------------------------------------------------------------

    def add_client(self, client_id: str, secret: str, redirect_uris: list[str]) -> None:
        self.clients[client_id] = (secret, list(redirect_uris))

    def add_account(self, username: str, password: str) -> None:
        self.accounts[username] = password

    def add_credential(
        self, credential_id: str, owner: str, arch, label: str, chain: list[str]
    ) -> Credential:
        key = serialization.load_der_private_key(arch.key_set.get_private_key(label).dump(), password=None)
        certs = [arch.get_cert(label), *(arch.get_cert(c) for c in chain)]
        credential = Credential(credential_id, owner, certs, key)
        self.credentials[credential_id] = credential
        return credential

    def last_otp(self, credential_id: str) -> str:
        return self.otp_outbox[credential_id][-1]

    # --- the HTTP service -----------------------------------------------------------------------------------------

    def start(self) -> "CscProvider":
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def _app(self) -> Flask:
        app = Flask("csc_provider")
        provider = self

        def error(code: str, description: str, status: int = 400):
            return jsonify(error=code, error_description=description), status

        @app.before_request
        def faults():
            provider.requests_seen.append(request.path)
            if provider.fault == "down":
                return "Service Unavailable", 503
            if provider.fault == "slow":
                time.sleep(provider.delay)
            return None

        def bearer() -> dict | None:
            header = request.headers.get("Authorization", "")
            if not header.lower().startswith("bearer "):
                return None
            token = provider._tokens.get(header[7:].strip())
            if token is None or token["expires"] < time.time():
                return None
            return token

        @app.get("/oauth2/authorize")
        def authorize_form():
            args = request.args
            client = provider.clients.get(args.get("client_id", ""))
            if args.get("response_type") != "code" or client is None:
                return "invalid_request: unknown client", 400
            if args.get("redirect_uri") not in client[1]:
                return "invalid_request: redirect_uri not registered", 400
            if args.get("scope") not in ("service", "credential"):
                return "invalid_scope", 400
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in args.items()
            )
            what = (
                f"semnarea a {html.escape(args.get('numSignatures', '1'))} document(e) cu "
                f"{html.escape(args.get('credentialID', ''))}"
                if args.get("scope") == "credential"
                else "accesul la certificatele dumneavoastră"
            )
            return (
                f"<!doctype html><html lang=ro><title>Furnizor TEST</title><form method=post>"
                f"<p>Autorizați {what}.</p>{hidden}"
                f"<label>Utilizator <input name=username></label><label>Parola <input type=password name=password>"
                f"</label><button>Autorizez</button></form></html>"
            )

        @app.post("/oauth2/authorize")
        def authorize_submit():
            form = request.form
            client = provider.clients.get(form.get("client_id", ""))
            if client is None or form.get("redirect_uri") not in client[1]:
                return "invalid_request", 400
            username = form.get("username", "")
            if provider.accounts.get(username) != form.get("password") or not username:
                return "Utilizator sau parolă greșită.", 401
            scope = form.get("scope")
            grant = {
                "client_id": form["client_id"],
                "redirect_uri": form["redirect_uri"],
                "scope": scope,
                "user": username,
                "expires": time.time() + 600,
            }
            if scope == "credential":
                credential = provider.credentials.get(form.get("credentialID", ""))
                if credential is None or credential.owner != username:
                    return "invalid_request: credentialID", 400
                grant["credential_id"] = credential.id
                grant["hashes"] = [h for h in form.get("hash", "").split(",") if h]
                grant["num"] = int(form.get("numSignatures", "1"))
            code = secrets.token_urlsafe(24)
            provider._codes[code] = grant
            query = {"code": code}
            if form.get("state"):
                query["state"] = form["state"]
            return redirect(f"{form['redirect_uri']}?{urlencode(query)}")

        @app.post("/oauth2/token")
        def token():
            form = request.form
            client = provider.clients.get(form.get("client_id", ""))
            if client is None or not secrets.compare_digest(client[0], form.get("client_secret", "")):
                return error("invalid_client", "Client authentication failed", 401)
            if form.get("grant_type") != "authorization_code":
                return error("unsupported_grant_type", "Only authorization_code")
            with provider._lock:
                grant = provider._codes.pop(form.get("code", ""), None)
            if (
                grant is None
                or grant["expires"] < time.time()
                or grant["client_id"] != form.get("client_id")
                or grant["redirect_uri"] != form.get("redirect_uri")
            ):
                return error("invalid_grant", "The authorization code is invalid or was already used")
            access = secrets.token_urlsafe(32)
            lifetime = 3600 if grant["scope"] == "service" else 300
            provider._tokens[access] = {**grant, "expires": time.time() + lifetime}
            return jsonify(access_token=access, token_type="Bearer", expires_in=lifetime)

        @app.post("/csc/v1/info")
        def info():
            return jsonify(
                specs="1.0.4.0",
                name="Furnizor de semnături calificate (TEST)",
                logo="",
                region="RO",
                lang="ro-RO",
                description="Serviciu CSC de test peste TEST PKI",
                authType=["oauth2code"],
                oauth2=provider.base_url,
                methods=[
                    "oauth2/authorize",
                    "oauth2/token",
                    "credentials/list",
                    "credentials/info",
                    "credentials/authorize",
                    "credentials/sendOTP",
                    "signatures/signHash",
                ],
            )

        @app.post("/csc/v1/credentials/list")
        def credentials_list():
            token = bearer()
            if token is None or token["scope"] != "service":
                return error("invalid_token", "A service-scope access token is required", 401)
            ids = [c.id for c in provider.credentials.values() if c.owner == token["user"]]
            return jsonify(credentialIDs=ids)

        def own_credential(token, body) -> Credential | None:
            credential = provider.credentials.get(str((body or {}).get("credentialID", "")))
            if token is None or credential is None or credential.owner != token["user"]:
                return None
            if token["scope"] == "credential" and token["credential_id"] != credential.id:
                return None
            return credential

        @app.post("/csc/v1/credentials/info")
        def credentials_info():
            body = request.get_json(silent=True)
            credential = own_credential(bearer(), body)
            if credential is None:
                return error("invalid_request", "Invalid parameter credentialID")
            return jsonify(credential.info())

        @app.post("/csc/v1/credentials/sendOTP")
        def send_otp():
            body = request.get_json(silent=True)
            credential = own_credential(bearer(), body)
            if credential is None:
                return error("invalid_request", "Invalid parameter credentialID")
            code = f"{secrets.randbelow(1_000_000):06d}"
            provider._otps[credential.id] = {"code": code, "expires": time.time() + provider.otp_valid}
            provider.otp_outbox.setdefault(credential.id, []).append(code)
            return "", 204

        @app.post("/csc/v1/credentials/authorize")
        def credentials_authorize():
            body = request.get_json(silent=True) or {}
            token = bearer()
            credential = own_credential(token, body)
            if credential is None or token["scope"] != "credential":
                return error(
                    "invalid_request", "A credential-scope token for this credential is required", 401
                )
            hashes_ = list(body.get("hash") or [])
            if sorted(hashes_) != sorted(token["hashes"]) or int(body.get("numSignatures", 0)) != len(
                hashes_
            ):
                return error("invalid_request", "The hashes differ from those the user authorized")
            with provider._lock:
                otp = provider._otps.get(credential.id)
                if otp is None or otp["expires"] < time.time():
                    provider._otps.pop(credential.id, None)
                    return error("invalid_otp", "The OTP is expired")
                if not secrets.compare_digest(otp["code"], str(body.get("OTP", ""))):
                    return error("invalid_otp", "The OTP is invalid")
                del provider._otps[credential.id]  # one time
                if provider.fault == "stale_sad" and provider._last_sad:
                    return jsonify(SAD=provider._last_sad, expiresIn=SAD_VALID)
                sad = secrets.token_urlsafe(32)
                provider._last_sad = sad
                provider._sads[sad] = {
                    "credential_id": credential.id,
                    "hashes": hashes_,
                    "expires": time.time() + SAD_VALID,
                }
            return jsonify(SAD=sad, expiresIn=SAD_VALID)

        @app.post("/csc/v1/signatures/signHash")
        def sign_hash():
            body = request.get_json(silent=True) or {}
            token = bearer()
            credential = own_credential(token, body)
            if credential is None:
                return error("invalid_request", "Invalid parameter credentialID")
            with provider._lock:
                sad = provider._sads.pop(str(body.get("SAD", "")), None)  # single use
            if sad is None or sad["expires"] < time.time() or sad["credential_id"] != credential.id:
                return error("invalid_request", "Invalid SAD")
            asked = list(body.get("hash") or [])
            if not asked or any(h not in sad["hashes"] for h in asked):
                return error("invalid_request", "Hash not authorized by the SAD")
            if body.get("hashAlgo") != algos.DigestAlgorithmId("sha256").dotted:
                return error("invalid_request", "Unsupported hashAlgo")
            if body.get("signAlgo") not in RSA_ALGOS:
                return error("invalid_request", "Unsupported signAlgo")
            if provider.fault == "malformed":
                return app.response_class("{signatures: [oops", mimetype="application/json")
            signatures = []
            for digest_b64 in asked:
                digest = base64.b64decode(digest_b64)
                if provider.fault == "other_hash":
                    digest = hashlib.sha256(b"not the document" + digest).digest()
                raw = credential.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
                signatures.append(base64.b64encode(raw).decode())
            return jsonify(signatures=signatures)

        return app


def demo_service(redirect_uri: str = "http://127.0.0.1:5000/semnare-cloud/retur") -> CscProvider:
    """The service the tests use, with the demo's people: provider accounts `elena` (Elena Dumitrescu, the demo
    official `referent`: a qualified and an ordinary certificate) and `ana` (Ana Popescu, the demo citizen), password
    `parola-furnizor`; client `registratura-demo` / `secret-demo`."""
    from app.signing import testpki

    provider = CscProvider()
    provider.add_client("registratura-demo", "secret-demo", [redirect_uri])
    arch, chain = testpki.arch(), ["interm", "root"]
    for account in ("elena", "ana"):
        provider.add_account(account, "parola-furnizor")
    provider.add_credential("elena-calificat", "elena", arch, "referent-calificat", chain)
    provider.add_credential("elena-avansat", "elena", arch, "referent", chain)
    provider.add_credential("ana-calificat", "ana", arch, "cetatean-calificat", chain)
    return provider


if (
    __name__ == "__main__"
):  # the demo: `.venv/bin/python -m tests.signing.csc_provider [PORT]` (docs/signing.md)
    import sys

    from asn1crypto import pem

    from app.signing import testpki

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5001
    app_url = sys.argv[2].rstrip("/") if len(sys.argv) > 2 else "http://127.0.0.1:5000"
    service = demo_service(f"{app_url}/semnare-cloud/retur")
    service._server = make_server("127.0.0.1", port, service._app(), threaded=True)
    service.base_url = f"http://127.0.0.1:{port}"
    print(
        "Furnizor CSC de TEST (nu pentru producție). Înregistrați-l ca admin la /administrare/furnizori-semnare:\n"
        f"  adresa: {service.base_url}\n  client: registratura-demo\n  secret: secret-demo\n"
        "  rădăcini (PEM):\n" + pem.armor("CERTIFICATE", testpki.root_certificate().dump()).decode()
    )
    print("Conturi la furnizor: elena / ana, parola parola-furnizor. Codurile unice („SMS”) apar aici.")
    original = service._otps

    class _Printing(dict):
        def __setitem__(self, key, value):
            print(f"SMS pentru {key}: codul {value['code']}", flush=True)
            super().__setitem__(key, value)

    service._otps = _Printing(original)
    service._server.serve_forever()
