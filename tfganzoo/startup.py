"""Importing TensorFlow without its C++ start-up lines on the user's terminal.

On a machine without a GPU, TensorFlow >= 2.17 prints the oneDNN notice, "Could not find cuda drivers",
"failed call to cuInit" and "All log messages before absl::InitializeLog() is called are written to STDERR"
as it loads, through C++ logging that TF_CPP_MIN_LOG_LEVEL no longer reaches (tensorflow/tensorflow#79029,
#100442). The scripts therefore import it, and let it look for devices, with the process's stderr caught at
the file-descriptor level, then pass on every line except those. TFGANZOO_TF_LOGS=1 shows them all.
"""

import os
import re
import sys
import tempfile

STARTUP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog|oneDNN custom operations are on"
    r"|Could not find cuda drivers|failed call to cuInit|Unable to register cu(FFT|DNN|BLAS)"
    r"|TensorFlow binary is optimized to use available CPU instructions"
    r"|^To enable the following instructions: .*rebuild TensorFlow"
)


def import_tensorflow_quietly():
    """Imports TensorFlow and lists its devices, keeping their known start-up lines off stderr."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's own C++ INFO and WARNING lines after start-up
    if os.environ.get("TFGANZOO_TF_LOGS") or "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode(errors="replace").splitlines(keepends=True):
                if not STARTUP_NOISE.search(line):
                    sys.stderr.write(line)
            sys.stderr.flush()
