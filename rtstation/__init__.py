"""rtstation: a DICOM-RT station that receives, shows and forwards radiotherapy plans.

The package is a library first: handlers are configured only by the entry points
(the CLI and the GUI), so importing it never prints or writes logs by itself.
"""

import logging

__version__ = "0.1.0"

logging.getLogger("rtstation").addHandler(logging.NullHandler())
