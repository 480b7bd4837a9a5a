"""Notifications to citizens: e-mail and SMS through an outbox written in the event's transaction and sent after
commit (a rollback sends nothing; a failed send is retried by the scheduler or `flask notifications send`)."""


def init_app(app) -> None:
    from app.notifications.events import on_closed, on_registered
    from app.notifications.outbox import register_cli
    from app.notifications.staff_notices import notify_document_handlers
    from app.notifications.views import bp
    from app.registry.route_steps import ON_CLOSED, ON_DEADLINE, ON_REGISTERED

    app.register_blueprint(bp)
    from app.notifications.operators_views import bp as operators_bp

    app.register_blueprint(
        operators_bp
    )  # /operare: messages given up and open incidents, for platform administrators
    register_cli(app)
    if on_registered not in ON_REGISTERED:
        ON_REGISTERED.append(on_registered)
    if on_closed not in ON_CLOSED:
        ON_CLOSED.append(on_closed)
    from app.notifications.events import _recipients, document_annulled
    from app.notifications.staff_notices import notify_incident
    from app.registry.annulment_notice import ON_ANNULLED, RECIPIENTS

    if _recipients not in RECIPIENTS:
        RECIPIENTS.append(_recipients)  # the annulment's confirmation page says who will be told
    if document_annulled not in ON_ANNULLED:
        ON_ANNULLED.append(document_annulled)
    from app.workflow.incidents import ON_INCIDENT

    if notify_incident not in ON_INCIDENT:
        ON_INCIDENT.append(
            notify_incident
        )  # analysts and the document's holders are told of a route's incident
    if notify_document_handlers not in ON_DEADLINE:
        ON_DEADLINE.append(notify_document_handlers)  # staff: reminder and overdue notices in the inbox
