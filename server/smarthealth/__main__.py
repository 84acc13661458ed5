"""Allow ``python -m smarthealth``."""

from .cli import main

main()
