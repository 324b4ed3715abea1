# Lets `cd sdk/python && python3 -m unittest` import the helpers as top-level `_support`, the same
# way `python3 -m unittest discover -s sdk/python/tests` does.
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
