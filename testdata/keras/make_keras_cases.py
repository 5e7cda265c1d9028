"""Builds the Keras test models of attn4j and saves what Keras predicts for them.

Made with Keras 3.15.1 on the JAX backend (jax 0.10.2, CPU), numpy 2.4, h5py 3.16, Python 3.11:

    python3 -m venv /tmp/kenv && /tmp/kenv/bin/pip install keras==3.15.1 jax==0.10.2 jaxlib==0.10.2 h5py
    KERAS_BACKEND=jax /tmp/kenv/bin/python testdata/keras/make_keras_cases.py [NAME ...]

With names, only those cases are made (each keeps its seeds: they depend on its place in the
script, not on what else runs); without, every case and the bad_* files. A .keras archive holds
the time it was written, so making a case again changes its files even when nothing else did.

For each case NAME it writes, into this script's folder:

    NAME.keras            model.save(...), Keras 3 format
    NAME.h5               model.save(...), legacy HDF5 format
    NAME.x.npy            the input: float32 (B, T, F) or int32 token ids (B, T)
    NAME.expected.npy     Keras' own model.predict(x), float32
    NAME.keep.npy         bool (B, T)  for per-step outputs: 1 where the output's Keras mask keeps the
                          step (attn4j returns 0 elsewhere), all 1 without a mask
    NAME.lengths.npy      (some cases) int32 (B,): row b cut to lengths[b] steps
    NAME.cut.npy          (with lengths) Keras' prediction on each row x[b, :lengths[b]] alone,
                          per-step outputs padded with 0

A model with several inputs has, instead of NAME.x.npy and NAME.lengths.npy, one NAME.x.INPUT.npy
per input (INPUT its name) and NAME.lengths.INPUT.npy per sequence input; NAME.cut.npy then cuts
each sequence input to its own lengths and an attention mask input (B, Tq, Tk) to [:Lq, :Lk].

Every weight is drawn uniformly from [-0.5, 0.5] with a fixed seed (Keras' initializers leave biases
at zero, which would hide a bias read from the wrong place). The expected values come from the model
built in this script; the script also checks that Keras loads each .keras file back to the same
predictions (Keras 3.15 cannot load back its own legacy .h5 of a model with a Masking layer or
Embedding(mask_zero=True): the mask operations in its config are unknown to the legacy loader;
attn4j reads them).
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

L = keras.layers
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def randomize(model, seed):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.uniform(-0.5, 0.5, size=w.shape).astype("float32"))


def floats(rng, b, t, f, pre=(), post=()):
    """Random features; rows in `pre` are padded with zeros in front, rows in `post` at the end."""
    x = rng.normal(size=(b, t, f)).astype("float32")
    for row, n in pre:
        x[row, :n] = 0
    for row, n in post:
        x[row, t - n:] = 0
    return x


# ---- the founding example -------------------------------------------------------------------

@case
def founding_per_step(rng):
    inp = keras.Input((None, 8))
    h = L.LSTM(16, return_sequences=True)(inp)
    a = L.Attention()([h, h])
    out = L.Dense(1, activation="sigmoid")(a)
    return keras.Model(inp, out), floats(rng, 3, 9, 8), None, [9, 5, 1]


@case
def founding_pooled(rng):
    inp = keras.Input((None, 8))
    h = L.LSTM(16, return_sequences=True)(inp)
    a = L.Attention(use_scale=True)([h, h])
    p = L.GlobalAveragePooling1D()(a)
    out = L.Dense(1, activation="sigmoid")(p)
    return keras.Model(inp, out), floats(rng, 3, 9, 8), None, [9, 4, 2]


# ---- masks ------------------------------------------------------------------------------------

@case
def masking_per_step(rng):
    """Pre- and post-padded rows, Masking(0): the LSTM carries its state, attention skips masked keys."""
    inp = keras.Input((None, 6))
    m = L.Masking(0.0)(inp)
    h = L.LSTM(8, return_sequences=True)(m)
    a = L.Attention()([h, h])
    out = L.Dense(2, activation="tanh")(a)
    x = floats(rng, 4, 8, 6, pre=[(0, 3)], post=[(1, 2)])
    x[2, 4] = 0  # a masked step in the middle
    return keras.Model(inp, out), x, np.any(x != 0, axis=-1), None


@case
def masking_pooled(rng):
    """Masked mean pooling after a GRU; a fully masked row gives NaN in Keras (0/0)."""
    inp = keras.Input((None, 5))
    m = L.Masking(0.0)(inp)
    h = L.GRU(7, return_sequences=True)(m)
    p = L.GlobalAveragePooling1D()(h)
    out = L.Dense(3, activation="softmax")(p)
    x = floats(rng, 3, 7, 5, pre=[(0, 4)], post=[(1, 3)])
    return keras.Model(inp, out), x, None, None


@case
def mask_zero_tokens(rng):
    """Token ids with Embedding(mask_zero=True), padded with 0 in front and behind."""
    inp = keras.Input((None,), dtype="int32")
    e = L.Embedding(20, 6, mask_zero=True)(inp)
    h = L.SimpleRNN(5, return_sequences=True, go_backwards=True)(e)
    a = L.AdditiveAttention()([h, h])
    p = L.GlobalAveragePooling1D()(a)
    out = L.Dense(1)(p)
    ids = rng.integers(1, 20, size=(3, 7)).astype("int32")
    ids[0, :3] = 0
    ids[1, 5:] = 0
    return keras.Model(inp, out), ids, None, None


@case
def bidirectional_stack(rng):
    """Stacked Bidirectional layers with every merge mode, masked, last one pooled."""
    inp = keras.Input((None, 4))
    m = L.Masking(0.0)(inp)
    h = L.Bidirectional(L.LSTM(5, return_sequences=True))(m)
    h = L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode="sum")(h)
    h = L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode="mul")(h)
    h = L.Bidirectional(L.LSTM(3), merge_mode="ave")(h)
    out = L.Dense(2)(h)
    x = floats(rng, 3, 6, 4, pre=[(0, 2)], post=[(1, 1)])
    return keras.Model(inp, out), x, None, [6, 5, 3]


@case
def recurrent_options(rng):
    """Sequential: LSTM go_backwards with sequences, GRU(reset_after=True) last output, no bias."""
    model = keras.Sequential([
        keras.Input((None, 5)),
        L.Masking(0.0),
        L.LSTM(6, return_sequences=True, go_backwards=True),
        L.SimpleRNN(4, activation="relu", return_sequences=True, use_bias=False),
        L.GRU(5),
        L.Dense(2, activation="sigmoid"),
    ])
    x = floats(rng, 3, 6, 5, pre=[(0, 2)], post=[(2, 3)])
    return model, x, None, [6, 4, 3]


@case
def functional_concat(rng):
    """A Concatenate of attention and recurrent outputs, TimeDistributed(Dense), LayerNormalization."""
    inp = keras.Input((None, 6))
    m = L.Masking(0.0)(inp)
    h = L.LSTM(8, return_sequences=True)(m)
    a = L.Attention(use_scale=True, score_mode="concat")([h, h])
    c = L.Concatenate()([a, h])
    t = L.TimeDistributed(L.Dense(5, activation="relu"))(c)
    n = L.LayerNormalization()(t)
    d = L.Dropout(0.3)(n)
    out = L.Dense(1, activation="sigmoid")(d)
    x = floats(rng, 3, 7, 6, pre=[(0, 2)], post=[(1, 3)])
    return keras.Model(inp, out), x, np.any(x != 0, axis=-1), None


@case
def merges_and_pooling(rng):
    """Add, Subtract, Multiply, Average, GlobalMaxPooling1D, activations, causal attention."""
    inp = keras.Input((None, 4))
    a = L.Dense(6, activation="elu")(inp)
    b = L.Dense(6, activation="softplus")(inp)
    s = L.Add()([a, b])
    d = L.Subtract()([a, b])
    m = L.Multiply()([s, d])
    v = L.Average()([m, a])
    v = L.Activation("swish")(v)
    v = L.SpatialDropout1D(0.2)(v)
    v = L.GaussianNoise(0.1)(v)
    c = L.Attention()([v, v], use_causal_mask=True)
    p = L.GlobalMaxPooling1D()(c)
    q = L.GlobalAveragePooling1D()(v)
    out = L.Dense(2, activation="gelu")(L.Concatenate()([p, q]))
    return keras.Model(inp, out), floats(rng, 3, 6, 4), None, [6, 3, 1]


@case
def fixed_length_flatten(rng):
    """A fixed Input length, Flatten, cross-attention with [query, value, key]."""
    inp = keras.Input((5, 3))
    q = L.Dense(4)(inp)
    k = L.Dense(4)(inp)
    v = L.Dense(2)(inp)
    a = L.Attention()([q, v, k])
    f = L.Flatten()(a)
    out = L.Dense(3, activation="relu6")(f)
    return keras.Model(inp, out), floats(rng, 2, 5, 3), None, None


@case
def lstm_states(rng):
    """return_state: the final h and c of a masked LSTM, concatenated."""
    inp = keras.Input((None, 4))
    m = L.Masking(0.0)(inp)
    _, h, c = L.LSTM(5, return_state=True)(m)
    out = L.Dense(2)(L.Concatenate()([h, c]))
    x = floats(rng, 3, 6, 4, pre=[(0, 2)], post=[(1, 3)])
    return keras.Model(inp, out), x, None, None



@case
def multi_head_self(rng):
    """Masked multi-head self-attention with a residual and LayerNormalization, per step."""
    inp = keras.Input((None, 8))
    m = L.Masking(0.0)(inp)
    a = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=3)(m, m)  # value_dim != key_dim fails in Keras 3.15 on JAX
    n = L.LayerNormalization(epsilon=1e-5)(L.Add()([m, a]))
    out = L.Dense(2)(n)
    x = floats(rng, 3, 7, 8, pre=[(0, 3)], post=[(1, 2)])
    return keras.Model(inp, out), x, np.any(x != 0, axis=-1), None


@case
def multi_head_cross(rng):
    """Causal cross-attention (query from a GRU(reset_after=False), value the input), no bias."""
    inp = keras.Input((None, 6))
    h = L.GRU(5, return_sequences=True, reset_after=False)(inp)
    c = L.MultiHeadAttention(num_heads=3, key_dim=2, use_bias=False, output_shape=4)(h, inp, use_causal_mask=True)
    p = L.GlobalAveragePooling1D()(c)
    out = L.Dense(1)(p)
    return keras.Model(inp, out), floats(rng, 3, 6, 6), None, [6, 4, 1]


@case
def custom_activations(rng):
    """Recurrent layers off Keras' defaults: relu/hard_sigmoid LSTM, softsign GRU(reset_after=False)."""
    model = keras.Sequential([
        keras.Input((None, 4)),
        L.Masking(0.0),
        L.LSTM(5, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True),
        L.Bidirectional(L.GRU(3, activation="softsign", reset_after=False)),
        L.Dense(2, activation="selu"),
    ])
    x = floats(rng, 3, 6, 4, pre=[(0, 2)], post=[(1, 2)])
    return model, x, None, [6, 4, 2]


# ---- several inputs ------------------------------------------------------------------------------

@case
def multi_head_attention_mask(rng):
    """MultiHeadAttention with an attention_mask Input (B, T, T) ANDed with the Masking mask; a query
    row that the attention mask blocks entirely averages every key, as Keras does."""
    x_in = keras.Input((None, 6), name="x")
    mask_in = keras.Input((None, None), dtype="bool", name="mask")
    m = L.Masking(0.0)(x_in)
    a = L.MultiHeadAttention(num_heads=2, key_dim=4)(m, m, attention_mask=mask_in)
    n = L.LayerNormalization()(L.Add()([m, a]))
    out = L.Dense(3)(n)
    x = floats(rng, 4, 7, 6, pre=[(0, 2)], post=[(1, 2)])
    mask = rng.random((4, 7, 7)) < 0.7
    mask[2, 3, :] = False  # a query that may see no key
    mask[3, :, 0] = False  # a key no query may see
    keep = np.any(x != 0, axis=-1)
    lengths = [7, 5, 6, 4]
    return (keras.Model([x_in, mask_in], out), {"x": x, "mask": mask}, keep,
            {"x": lengths, "mask": [(n, n) for n in lengths]})


@case
def multi_head_cross_inputs(rng):
    """Cross-attention between two inputs of different steps (query 5, memory 7) with an attention
    mask (B, 5, 7), and back from the masked memory to the query's LSTM states; both pooled."""
    q_in = keras.Input((None, 4), name="query")
    v_in = keras.Input((None, 6), name="memory")
    cm_in = keras.Input((None, None), dtype="bool", name="cross_mask")
    h = L.LSTM(5, return_sequences=True)(q_in)
    mv = L.Masking(0.0)(v_in)
    c = L.MultiHeadAttention(num_heads=2, key_dim=3)(h, mv, attention_mask=cm_in)
    d = L.MultiHeadAttention(num_heads=1, key_dim=2)(mv, h)
    pc = L.GlobalAveragePooling1D()(c)
    pd = L.GlobalAveragePooling1D()(d)
    out = L.Dense(2)(L.Concatenate()([pc, pd]))
    q = floats(rng, 3, 5, 4)
    v = floats(rng, 3, 7, 6, pre=[(0, 2)], post=[(1, 3)])
    cross = rng.random((3, 5, 7)) < 0.6
    cross[1, 0, :] = False
    lq, lv = [5, 3, 4], [7, 4, 6]
    return (keras.Model([q_in, v_in, cm_in], out), {"query": q, "memory": v, "cross_mask": cross}, None,
            {"query": lq, "memory": lv, "cross_mask": list(zip(lq, lv))})


@case
def tokens_and_features(rng):
    """Token ids (Embedding(mask_zero)) and float features of the same steps, concatenated: one time
    axis for two inputs; per-step output."""
    ids_in = keras.Input((None,), dtype="int32", name="ids")
    f_in = keras.Input((None, 3), name="features")
    e = L.Embedding(12, 4, mask_zero=True)(ids_in)
    c = L.Concatenate()([e, f_in])
    h = L.GRU(5, return_sequences=True)(c)
    out = L.Dense(2, activation="tanh")(h)
    ids = rng.integers(1, 12, size=(3, 6)).astype("int32")
    ids[0, :2] = 0
    ids[2, 4:] = 0
    f = floats(rng, 3, 6, 3)
    lengths = [6, 4, 2]
    return (keras.Model([ids_in, f_in], out), {"ids": ids, "features": f}, None,
            {"ids": lengths, "features": lengths})


@case
def multi_head_stacked(rng):
    """Two self-attention blocks under a Masking mask. Keras 3's MultiHeadAttention clears the masks of
    its inputs when it runs, so the residual Add passes on none and the second block attends to every
    step, padding included: what Keras computes, and attn4j with it."""
    inp = keras.Input((None, 6))
    m = L.Masking(0.0)(inp)
    a = L.MultiHeadAttention(num_heads=2, key_dim=3)(m, m)
    s = L.LayerNormalization()(L.Add()([m, a]))
    b = L.MultiHeadAttention(num_heads=2, key_dim=3)(s, s)
    p = L.GlobalAveragePooling1D()(b)
    out = L.Dense(2)(p)
    x = floats(rng, 3, 7, 6, pre=[(0, 3)], post=[(1, 2)])
    return keras.Model(inp, out), x, None, [7, 5, 4]


@case
def tokens_per_step(rng):
    """One input of token ids (no mask) -> GRU -> Attention -> Dense(softmax) per step, rows cut to
    their lengths: the Predictor's per-step token form (predictSteps(int[]))."""
    inp = keras.Input((None,), dtype="int32")
    e = L.Embedding(30, 6)(inp)
    h = L.GRU(8, return_sequences=True)(e)
    a = L.Attention()([h, h])
    out = L.Dense(3, activation="softmax")(a)
    ids = rng.integers(0, 30, size=(3, 8)).astype("int32")
    return keras.Model(inp, out), ids, None, [8, 5, 2]


def predict_cut(model, x, lengths):
    out = []
    for b, n in enumerate(lengths):
        y = model.predict(x[b:b + 1, :n], verbose=0)[0]
        if y.ndim == 2:
            y = np.concatenate([y, np.zeros((x.shape[1] - n, y.shape[1]), y.dtype)])
        out.append(y)
    return np.stack(out).astype("float32")


def predict_cut_inputs(model, xs, lengths, steps):
    """Several inputs: row b of each sequence input cut to its lengths, an attention mask input to
    [:Lq, :Lk] (lengths gives its (Lq, Lk) per row); `steps` is the per-step output's full length."""
    out = []
    for b in range(len(next(iter(xs.values())))):
        row = {}
        for name, x in xs.items():
            n = lengths[name][b]
            row[name] = x[b:b + 1, :n[0], :n[1]] if isinstance(n, tuple) else x[b:b + 1, :n]
        y = model.predict(row, verbose=0)[0]
        if y.ndim == 2:
            y = np.concatenate([y, np.zeros((steps - y.shape[0], y.shape[1]), y.dtype)])
        out.append(y)
    return np.stack(out).astype("float32")


def bad_files():
    """Broken files for the error tests, from a tiny Dense model (bad_*.keras / bad_*.h5)."""
    import h5py
    import shutil
    import zipfile

    keras.utils.set_random_seed(7)
    inp = keras.Input((None, 3))
    h = L.LSTM(2, return_sequences=True, name="lstm")(inp)
    model = keras.Model(inp, L.Dense(1, name="dense")(h))
    randomize(model, 7)
    base = os.path.join(HERE, "bad_")
    model.save(base + "ok.keras")
    model.save(base + "ok.h5")
    # a legacy file whose Dense kernel is gone
    shutil.copy(base + "ok.h5", base + "missing_weight.h5")
    with h5py.File(base + "missing_weight.h5", "r+") as f:
        group = f["model_weights/dense"]
        name = [n for n in group.attrs["weight_names"] if n.endswith("kernel")][0]
        del group[name]
    # a legacy file whose LSTM kernel has the wrong shape
    shutil.copy(base + "ok.h5", base + "wrong_shape.h5")
    with h5py.File(base + "wrong_shape.h5", "r+") as f:
        group = f["model_weights/lstm"]
        name = [n for n in group.attrs["weight_names"] if n.endswith("/kernel")][0]
        del group[name]
        group[name] = np.zeros((3, 7), dtype="float32")
    # a .keras whose config asks for a weight the file does not have (the Dense without use_bias in the
    # weights, with it in the config)
    with zipfile.ZipFile(base + "ok.keras") as z:
        config = z.read("config.json").decode()
        metadata = z.read("metadata.json")
        weights = z.read("model.weights.h5")
    with open(base + "weights.h5", "wb") as f:
        f.write(weights)
    with h5py.File(base + "weights.h5", "r+") as f:
        del f["layers/dense/vars/1"]
    with open(base + "weights.h5", "rb") as f:
        no_bias = f.read()
    os.remove(base + "weights.h5")
    with zipfile.ZipFile(base + "config_names_missing_weight.keras", "w") as z:
        z.writestr("config.json", config)
        z.writestr("metadata.json", metadata)
        z.writestr("model.weights.h5", no_bias)
    # an unsupported layer (Conv1D) and a Lambda
    conv = keras.Sequential([keras.Input((None, 3)), L.Conv1D(2, 2, name="conv1d"), L.GlobalMaxPooling1D()])
    conv.save(base + "unsupported_layer.keras")
    # a zip without config.json
    with zipfile.ZipFile(base + "no_config.keras", "w") as z:
        z.writestr("metadata.json", metadata)
        z.writestr("model.weights.h5", weights)
    # a truncated archive
    with open(base + "ok.keras", "rb") as f:
        data = f.read()
    with open(base + "truncated.keras", "wb") as f:
        f.write(data[: len(data) // 2])
    os.remove(base + "ok.h5")


def bad_attention_mask_computed():
    """bad_attention_mask_computed.keras: MultiHeadAttention's attention_mask computed in the model
    (logical_and of two bool inputs), not read from an input: refused."""
    x = keras.Input((None, 4), name="x")
    m1 = keras.Input((None, None), dtype="bool", name="m1")
    m2 = keras.Input((None, None), dtype="bool", name="m2")
    both = keras.ops.logical_and(m1, m2)
    a = L.MultiHeadAttention(num_heads=1, key_dim=2, name="mha")(x, x, attention_mask=both)
    keras.Model([x, m1, m2], a).save(os.path.join(HERE, "bad_attention_mask_computed.keras"))


EXTRA = {"bad_attention_mask_computed": bad_attention_mask_computed}


def main(args):
    extras = [n for n in args if n in EXTRA]
    names = [n for n in args if n not in EXTRA]
    for name in extras:
        EXTRA[name]()
    if extras and not names:
        return
    unknown = [n for n in names if n not in CASES]
    assert not unknown, "no such case: %s" % unknown
    for i, (name, fn) in enumerate(CASES.items()):
        if names and name not in names:
            continue
        keras.utils.set_random_seed(1000 + i)
        rng = np.random.default_rng(2000 + i)
        model, x, keep, lengths = fn(rng)
        randomize(model, 3000 + i)
        y = model.predict(x, verbose=0).astype("float32")
        base = os.path.join(HERE, name)
        model.save(base + ".keras")
        model.save(base + ".h5")
        again = keras.models.load_model(base + ".keras").predict(x, verbose=0)
        assert np.allclose(again, y, atol=1e-6, equal_nan=True), name
        several = isinstance(x, dict)
        if several:
            for input_name, array in x.items():
                np.save(base + ".x." + input_name + ".npy", array)
        else:
            np.save(base + ".x.npy", x)
        np.save(base + ".expected.npy", y)
        if y.ndim == 3:
            if keep is None:
                keep = np.ones(y.shape[:2], dtype=bool)
            np.save(base + ".keep.npy", keep.astype(bool))
        if lengths is not None and several:
            for input_name, n in lengths.items():
                if not isinstance(n[0], tuple):
                    np.save(base + ".lengths." + input_name + ".npy", np.array(n, dtype="int32"))
            np.save(base + ".cut.npy", predict_cut_inputs(model, x, lengths, y.shape[1] if y.ndim == 3 else 0))
        elif lengths is not None:
            np.save(base + ".lengths.npy", np.array(lengths, dtype="int32"))
            np.save(base + ".cut.npy", predict_cut(model, x, lengths))
        print(name, {k: v.shape for k, v in x.items()} if several else x.shape, "->", y.shape)
    if not names:
        bad_files()
        for make in EXTRA.values():
            make()


if __name__ == "__main__":
    main(sys.argv[1:])
