"""Writes model.keras: the example classifier's weights (model.safetensors) as the Keras model

    Input((None, 32)) -> LSTM(64, return_sequences=True) -> Attention(use_scale=True) with scale 1/8
    -> GlobalAveragePooling1D -> Dense(1, sigmoid)

which computes what the PyTorch modules compute (Keras' LSTM gates i, f, c, o are PyTorch's i, f, g, o;
Keras adds one bias, PyTorch's b_ih + b_hh; the scaled-dot attention's 1/sqrt(64) is the learned scale).
Made with Keras 3.15.1 on the JAX backend; checks Keras' predictions on inputs.npy, each sequence cut to
its length, against expected.npy within 1e-5.

    KERAS_BACKEND=jax python3 examples/classifier/make_keras_model.py
"""
import json
import os
import struct

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"])
    return out


def main():
    w = safetensors(os.path.join(HERE, "model.safetensors"))
    inp = keras.Input((None, 32))
    h = keras.layers.LSTM(64, return_sequences=True)(inp)
    a = keras.layers.Attention(use_scale=True)([h, h])
    p = keras.layers.GlobalAveragePooling1D()(a)
    out = keras.layers.Dense(1, activation="sigmoid")(p)
    model = keras.Model(inp, out)
    lstm, attention, dense = model.layers[1], model.layers[2], model.layers[4]
    lstm.set_weights([w["lstm.weight_ih_l0"].T, w["lstm.weight_hh_l0"].T, w["lstm.bias_ih_l0"] + w["lstm.bias_hh_l0"]])
    attention.set_weights([np.array(1 / np.sqrt(64), dtype="float32")])
    dense.set_weights([w["fc.weight"].T, w["fc.bias"]])
    x = np.load(os.path.join(HERE, "inputs.npy"))
    lengths = np.load(os.path.join(HERE, "lengths.npy"))
    expected = np.load(os.path.join(HERE, "expected.npy"))
    got = np.concatenate([model.predict(x[b:b + 1, :n], verbose=0) for b, n in enumerate(lengths)])
    assert np.max(np.abs(got - expected)) <= 1e-5, np.max(np.abs(got - expected))
    model.save(os.path.join(HERE, "model.keras"))
    print("model.keras: max |Keras - expected| =", float(np.max(np.abs(got - expected))))


if __name__ == "__main__":
    main()
