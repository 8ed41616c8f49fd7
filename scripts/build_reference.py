"""Rebuild src/simuser/data/reference/ from an MTRAG snapshot (the shipped files are its output).

    python scripts/build_reference.py /work/shared/data/mtrag
"""

import sys
from pathlib import Path

from simuser.metrics.reference import build_reference

if __name__ == "__main__":
    mtrag_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mtrag")
    print(build_reference(mtrag_dir))
