#!/usr/bin/env python3
"""Talep Hub entry point: ``python run_hub.py [--demo]`` starts the hub; ``--help`` lists subcommands."""

import sys

from hub.cli import main

if __name__ == "__main__":
    sys.exit(main())
