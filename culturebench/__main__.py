import sys

from culturebench.cli import main

sys.exit(main())
