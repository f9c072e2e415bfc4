#!/usr/bin/env python3
"""mystmd executable plugin: the symbptt directive (see symbptt.myst)."""
from symbptt.myst import main

main()
