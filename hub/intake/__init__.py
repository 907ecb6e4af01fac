"""Intake: RawMessage in, stored request + events + outbox out."""
