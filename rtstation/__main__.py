"""Allow ``python -m rtstation``."""

from rtstation.cli.main import main

raise SystemExit(main())
