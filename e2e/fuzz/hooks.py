"""Schemathesis hooks for `just fuzz`: every `{e}` path parameter is the
fuzzing admin's own enterprise (a random id only ever meets 404, which
would leave the enterprise's routes untested)."""
import os

import schemathesis

ENTERPRISE = os.environ["FUZZ_ENTERPRISE"]


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    if path_parameters and "e" in path_parameters:
        path_parameters["e"] = ENTERPRISE
    return path_parameters
