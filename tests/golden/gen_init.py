"""Golden values for nn.init's deterministic parts: calculate_gain and fan computation."""
import torch
import torch.nn as nn

from golden_util import write

gains = []
for name, param in [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
                    ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                    ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
    g = nn.init.calculate_gain(name) if param is None else nn.init.calculate_gain(name, param)
    gains.append({"name": name, "param": param, "gain": g})
fans = []
for shape in [(10, 20), (64, 32, 3, 3), (16, 4, 5), (7, 1, 2, 3, 4)]:
    fi, fo = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    fans.append({"shape": list(shape), "fan_in": fi, "fan_out": fo})
# Write through the common writer: cases hold the tables.
write("init", [{"gains": gains, "fans": fans}])
