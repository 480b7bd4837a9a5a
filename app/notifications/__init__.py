"""Notifications to citizens: e-mail and SMS through an outbox written in the event's transaction and sent after
commit (a rollback sends nothing; a failed send is retried by the scheduler or `flask notifications send`)."""
