#!/usr/bin/env python3
"""A stand-in training script for the hsm quickstart.

Takes Hydra-style `key=value` arguments (e.g. `lr=0.1 model.hidden_size=128`), "trains" for a
moment, prints what it got and, when hsm runs it (HSM_TASK_DIR is set), writes a metric to
$HSM_TASK_DIR/metrics.json.
"""
import json
import math
import os
import sys
import time


def parse_value(text):
    """Reads a value the way Hydra would for the simple cases: null, booleans, numbers, quoted strings."""
    if text in ("null", "None"):
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def main(argv):
    params = {}
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            print(f"train.py: expected key=value, got {arg!r}", file=sys.stderr)
            return 2
        params[key.lstrip("+")] = parse_value(value)

    print(f"training with {json.dumps(params, sort_keys=True)}", flush=True)
    time.sleep(0.2)

    lr = float(params.get("lr", 0.1))
    hidden = float(params.get("model.hidden_size", 128))
    seed = int(params.get("seed", 0))
    # A made-up loss: best near lr=0.01 and larger models, with a little seed noise.
    loss = abs(math.log10(lr) + 2) + 64.0 / hidden + 0.01 * (seed % 7)
    print(f"done: loss={loss:.4f}", flush=True)

    task_dir = os.environ.get("HSM_TASK_DIR")
    if task_dir:
        with open(os.path.join(task_dir, "metrics.json"), "w") as f:
            json.dump({"loss": round(loss, 6)}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
