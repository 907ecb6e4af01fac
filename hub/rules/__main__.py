"""`python -m hub.rules routing_rules.yaml`: validate a rule file without activating it."""

from .check import main

raise SystemExit(main())
