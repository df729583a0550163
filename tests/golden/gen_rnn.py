"""Golden values for the sequence layers: nn.GRU, nn.LSTM, F.embedding and F.conv1d.

Writes rnn.json. A GRU/LSTM case's inputs are the sequence, the initial state (when given) and
every parameter in PyTorch's registration order (weight_ih_l0, weight_hh_l0, bias_ih_l0,
bias_hh_l0, then _l1 ...), all seeded; the module runs with those tensors as its parameters
(put in its _parameters and _flat_weights, which its forward reads), and the recorded output is output, h_n (and c_n) flattened and
concatenated, so one upstream gradient checks all of them and the gradient of every input.
"""
import torch
import torch.nn.functional as F
from golden_util import case, write

torch.manual_seed(0)
cases = []


def rnn_params(kind, inp, hid, layers, bias, dt):
    g = 3 if kind == "gru" else 4
    names, ts = [], []
    for l in range(layers):
        i = inp if l == 0 else hid
        shapes = [("weight_ih", (g * hid, i)), ("weight_hh", (g * hid, hid))]
        if bias:
            shapes += [("bias_ih", (g * hid,)), ("bias_hh", (g * hid,))]
        for n, s in shapes:
            names.append("%s_l%d" % (n, l))
            ts.append((torch.randn(*s) * 0.5).to(dt))
    return names, ts


def rnn_fn(kind, names, inp, hid, layers, bias, batch_first, n_state, dt):
    cls = torch.nn.GRU if kind == "gru" else torch.nn.LSTM
    mod = cls(inp, hid, num_layers=layers, bias=bias, batch_first=batch_first).to(dt)

    def fn(x, *rest):
        state, params = rest[:n_state], rest[n_state:]
        if kind == "gru":
            args = (x, state[0]) if n_state else (x,)
        else:
            args = (x, (state[0], state[1])) if n_state else (x,)
        # nn.GRU/LSTM.forward reads _flat_weights, a list cached at construction, so the
        # given tensors go there as well as into _parameters.
        for n, p in zip(names, params):
            mod._parameters[n] = p
        mod._flat_weights = [mod._parameters[n] for n in mod._flat_weights_names]
        out, st = mod(*args)
        parts = [out] + ([st] if kind == "gru" else list(st))
        return torch.cat([p.reshape(-1) for p in parts])

    return fn


# kind, seq, batch (None: unbatched), input, hidden, layers, bias, batch_first, with state, dtype
specs = [
    ("gru", 5, 3, 4, 6, 1, True, False, True, torch.float64),
    ("gru", 4, 2, 3, 5, 2, True, True, True, torch.float64),
    ("gru", 6, 2, 3, 4, 2, True, False, False, torch.float64),
    ("gru", 3, 2, 4, 3, 1, False, True, False, torch.float64),
    ("gru", 5, None, 3, 4, 2, True, False, True, torch.float64),
    ("gru", 7, 4, 8, 16, 2, True, True, True, torch.float32),
    ("lstm", 5, 3, 4, 6, 1, True, False, True, torch.float64),
    ("lstm", 4, 2, 3, 5, 2, True, True, True, torch.float64),
    ("lstm", 6, 2, 3, 4, 2, True, False, False, torch.float64),
    ("lstm", 3, 2, 4, 3, 1, False, True, False, torch.float64),
    ("lstm", 5, None, 3, 4, 2, True, False, True, torch.float64),
    ("lstm", 7, 4, 8, 16, 2, True, True, True, torch.float32),
]
for kind, seq, batch, inp, hid, layers, bias, bf, with_state, dt in specs:
    if batch is None:
        xs, ss = (seq, inp), (layers, hid)
    else:
        xs = (batch, seq, inp) if bf else (seq, batch, inp)
        ss = (layers, batch, hid)
    n_state = (1 if kind == "gru" else 2) if with_state else 0
    names, params = rnn_params(kind, inp, hid, layers, bias, dt)
    ins = [torch.randn(*xs).to(dt)] + [torch.randn(*ss).to(dt) for _ in range(n_state)] + params
    name = "%s_T%d_B%s_L%d%s%s%s%s" % (kind, seq, batch if batch else "u", layers, "" if bias else "_nobias",
                                      "_bf" if bf else "", "_state" if with_state else "",
                                      "_f32" if dt == torch.float32 else "")
    args = {"input_size": inp, "hidden_size": hid, "num_layers": layers, "bias": bias, "batch_first": bf,
            "with_state": with_state}
    tol = {"atol": 1e-5, "rtol": 1e-4} if dt == torch.float32 else {"atol": 1e-10, "rtol": 1e-9}
    fn = rnn_fn(kind, names, inp, hid, layers, bias, bf, n_state, dt)
    rec = case(name, kind, fn, ins, args, **tol)
    assert all(g is not None for g in rec["grads"]), name + ": an input got no gradient"
    cases.append(rec)

# Embedding: repeated indices add up in the gradient; the padding row gets none.
# name, table (num, dim), index shape, padding_idx
emb_specs = [
    ("plain", (7, 4), (2, 5), None),
    ("padding0", (6, 3), (3, 4), 0),
    ("padding_neg", (6, 3), (10,), -2),
    ("scalar_index", (5, 2), (), 3),
]
for name, ws, ids, pad in emb_specs:
    w = torch.randn(*ws, dtype=torch.float64)
    idx = torch.randint(0, ws[0], ids)
    if pad is not None and idx.numel() > 1:
        idx.view(-1)[0] = pad % ws[0]  # the padding index occurs at least once
    fn = (lambda pad: lambda w, i: F.embedding(i, w, padding_idx=pad))(pad)
    cases.append(case("embedding_" + name, "embedding", fn, [w, idx], {"padding_idx": pad}))

# Conv1d: name, input shape, weight shape, bias, stride, padding, dilation, groups
conv_specs = [
    ("basic", (2, 3, 9), (4, 3, 3), True, 1, 0, 1, 1),
    ("stride2_pad1", (2, 2, 10), (3, 2, 3), True, 2, 1, 1, 1),
    ("groups2", (2, 4, 8), (6, 2, 3), True, 1, 1, 1, 2),
    ("all_options", (3, 4, 13), (4, 2, 3), False, 2, 2, 2, 2),
    ("unbatched", (3, 7), (2, 3, 2), True, 1, 1, 1, 1),
]
for name, xs, ws, has_b, st, pd, dl, g in conv_specs:
    ins = [torch.randn(*xs, dtype=torch.float64), torch.randn(*ws, dtype=torch.float64)]
    if has_b:
        ins.append(torch.randn(ws[0], dtype=torch.float64))
    fn = (lambda st, pd, dl, g: lambda x, w, b=None: F.conv1d(x, w, b, st, pd, dl, g))(st, pd, dl, g)
    args = {"stride": st, "padding": pd, "dilation": dl, "groups": g}
    cases.append(case("conv1d_" + name, "conv1d", fn, ins, args))

write("rnn", cases)
