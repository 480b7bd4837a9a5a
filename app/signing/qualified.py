"""Is a certificate qualified? Its QCStatements extension (ETSI EN 319 412-5) says so: QcCompliance (an EU
qualified certificate), QcSSCD (the key is in a qualified signature creation device) and QcType (signature, seal).

This reads what the certificate declares; confirming it against the EU trusted lists is the trust roots' job
(operators trust only qualified providers' roots, docs/signing.md)."""

from asn1crypto import x509
from pyhanko.sign.ades import qualified_asn1


def qc_statements(cert: x509.Certificate | None) -> dict:
    if cert is None:
        return {}
    statements = {}
    for statement in qualified_asn1.get_qc_statements(cert):
        statements[statement["statement_id"].native] = statement["statement_info"].native
    return statements


def is_qualified(cert: x509.Certificate | None) -> bool:
    return "qc_compliance" in qc_statements(cert)


def qualified_facts(cert: x509.Certificate | None) -> dict:
    """What the report keeps: qualified, key in a QSCD, type (esign / eseal)."""
    statements = qc_statements(cert)
    return {
        "qualified": "qc_compliance" in statements,
        "qscd": "qc_sscd" in statements,
        "qc_type": [str(t) for t in (statements.get("qc_type") or [])],
    }
