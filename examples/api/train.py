#!/usr/bin/env python3
"""A stand-in training script for the API example: reads `key=value` arguments, "trains" for a moment
and writes its loss to $HSM_TASK_DIR/metrics.json."""
import json
import math
import os
import sys
import time

params = dict(arg.split("=", 1) for arg in sys.argv[1:])
lr = float(params.get("lr", "0.1"))
layers = int(params.get("layers", "2"))
time.sleep(0.1)
loss = abs(math.log10(lr) + 2) + 1.0 / layers
print(f"lr={lr} layers={layers} loss={loss:.4f}")
with open(os.path.join(os.environ["HSM_TASK_DIR"], "metrics.json"), "w") as f:
    json.dump({"loss": round(loss, 6)}, f)
