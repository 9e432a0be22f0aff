"""Run the command line as `python -m keras_tailor`."""

import sys

from keras_tailor.cli import main

sys.exit(main())
