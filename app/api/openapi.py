"""The OpenAPI 3.1 description served at /api/v1/openapi.json."""

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_TEXT = {
    400: "Bad request",
    401: "Missing or invalid token",
    403: "Not allowed for this account",
    404: "Not found or not visible to you",
    409: "Task already completed, cancelled or claimed by someone else",
    422: "Data fails the form",
    500: "The route failed (a script or diagram error): nothing was saved",
}


def _errors(*codes: int, **descriptions: str) -> dict:
    """Error responses; descriptions={"e409": "..."} overrides the usual text of one code."""
    responses = {}
    for code in codes:
        response = _json(ERROR, descriptions.get(f"e{code}", ERROR_TEXT[code]))
        if code == 401:
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge"}
            }
        responses[str(code)] = response
    return responses


FILE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "Download with GET /files/{id}"},
        "kind": {"type": "string", "enum": ["depunere", "raspuns"]},
        "filename": {"type": "string"},
        "content_type": {"type": "string"},
        "size": {"type": "integer"},
        "sha256": {"type": "string"},
    },
}

HISTORY_ENTRY = {
    "type": "object",
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "event": {"type": "string", "examples": ["task_completed", "automatic", "task_claimed"]},
        "element": {"type": ["string", "null"], "description": "BPMN element id"},
        "name": {"type": ["string", "null"]},
        "actor": {"type": ["string", "null"]},
        "message": {"type": ["string", "null"]},
        "data": {
            "type": ["object", "null"],
            "description": "The step's submitted data (staff only; null for citizens)",
        },
    },
}

CURRENT_STEP = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "department": {"type": ["string", "null"]},
        "holder": {"type": ["string", "null"]},
        "since_days": {"type": "integer"},
    },
}


def openapi_document() -> dict:
    task_path = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    doc_path = {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Registratură electronică API",
            "version": "1.0.0",
            "description": "Submit documents, follow them, and work on tasks. Same permissions as the web UI. "
            "Get a token with `flask users token USERNAME`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                            "required": ["code", "message"],
                        }
                    },
                },
                "Document": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "registration_number": {"type": ["integer", "null"]},
                        "registration_label": {"type": ["string", "null"], "examples": ["123/21.11.2026"]},
                        "registered_at": {"type": ["string", "null"], "format": "date-time"},
                        "document_type": {"type": "string"},
                        "institution": {"type": "string"},
                        "department": {"type": ["string", "null"]},
                        "subject": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["depus", "inregistrat", "in_lucru", "solutionat", "clasat", "eroare"],
                        },
                        "overdue": {"type": "boolean"},
                        "deadline": {"type": ["string", "null"], "format": "date-time"},
                        "current_steps": {"type": "array", "items": CURRENT_STEP},
                        "files": {"type": "array", "items": FILE},
                        "history": {
                            "type": "array",
                            "items": HISTORY_ENTRY,
                            "description": "Staff see every step; citizens the timeline the portal shows",
                        },
                    },
                },
                "Task": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "element": {"type": "string"},
                        "document": {"type": "string"},
                        "document_subject": {"type": "string"},
                        "registration_label": {"type": ["string", "null"]},
                        "status": {"type": "string", "enum": ["ready", "completed", "cancelled"]},
                        "role": {"type": ["string", "null"]},
                        "assignee": {"type": ["string", "null"]},
                        "claimed_by": {"type": ["string", "null"]},
                        "due": {"type": ["string", "null"], "format": "date-time"},
                        "signature_role": {
                            "type": ["string", "null"],
                            "description": "Set on a signing step: complete it with POST /tasks/{task_id}/sign",
                        },
                        "form": {
                            "type": ["object", "null"],
                            "description": "The task's form: JSON Schema, UI schema, and for each runtime option "
                            'list a field names with "x-options" the values it accepts; null once the task is '
                            "completed or cancelled",
                            "properties": {
                                "schema": {"type": "object"},
                                "ui_schema": {"type": "object"},
                                "options": {
                                    "type": "object",
                                    "additionalProperties": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "value": {"type": "string"},
                                                "label": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        "paths": {
            "/openapi.json": {
                "get": {
                    "summary": "This description",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document")},
                }
            },
            "/document-types": {
                "get": {
                    "summary": "List the document types that can be submitted, with their submission form",
                    "responses": {
                        "200": _json({"type": "array", "items": {"type": "object"}}, "Document types"),
                        **_errors(401),
                    },
                }
            },
            "/documents": {
                "post": {
                    "summary": "Submit a document (multipart: document_type, institution, the form's fields, files)",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 64},
                            "description": "Repeat a submission safely: the same key returns the first document",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["document_type", "institution"],
                                    "properties": {
                                        "document_type": {"type": "string"},
                                        "institution": {"type": "string"},
                                    },
                                    "additionalProperties": True,
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/Document"}, "Submitted"),
                        "200": _json(
                            {"$ref": "#/components/schemas/Document"}, "Already submitted with this key"
                        ),
                        **_errors(
                            400,
                            401,
                            403,
                            409,
                            422,
                            e403="Staff accounts do not submit through the portal",
                            e409="The Idempotency-Key was used by another account",
                        ),
                    },
                }
            },
            "/documents/{public_id}": {
                "get": {
                    "summary": "A document: number, status, current step and holder, history, files",
                    "parameters": [doc_path],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Document"}, "The document"),
                        **_errors(401, 404),
                    },
                }
            },
            "/files/{public_id}": {
                "get": {
                    "summary": "Download one of a document's files",
                    "parameters": [doc_path],
                    "responses": {
                        "200": {
                            "description": "The file, as an attachment",
                            "content": {t: {} for t in ("application/pdf", "image/jpeg", "image/png")},
                        },
                        **_errors(401, 404),
                    },
                }
            },
            "/tasks": {
                "get": {
                    "summary": "My tasks and my group's tasks, each with its form's JSON Schema (paged)",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "default": 0},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}, "Tasks"
                        ),
                        **_errors(401),
                    },
                }
            },
            "/tasks/{task_id}/claim": {
                "post": {
                    "summary": "Claim a group task",
                    "parameters": [task_path],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Task"}, "Claimed"),
                        **_errors(401, 404, 409),
                    },
                }
            },
            "/tasks/{task_id}/release": {
                "post": {
                    "summary": "Give a claimed task back to the group",
                    "parameters": [task_path],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Task"}, "Released"),
                        **_errors(401, 404, 409),
                    },
                }
            },
            "/tasks/{task_id}/sign": {
                "post": {
                    "summary": "Sign the document of a signing step (PAdES) with the caller's key, and complete it",
                    "description": "Refused (422, code signing_refused) when the caller is not the signer the route "
                    "expects now, has no key, gives a wrong passphrase, or the certificate is expired, revoked or "
                    "untrusted; nothing is changed then.",
                    "parameters": [task_path],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "passphrase": {
                                            "type": "string",
                                            "description": "The key's passphrase or PIN, when it is not stored",
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Task"}, "Signed and completed"),
                        **_errors(401, 404, 409, 422, 500),
                    },
                }
            },
            "/tasks/{task_id}/complete": {
                "post": {
                    "summary": "Complete a task with its form data",
                    "parameters": [task_path],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"data": {"type": "object"}}}
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Task"}, "Completed"),
                        **_errors(400, 401, 404, 409, 422, 500),
                    },
                }
            },
        },
    }
