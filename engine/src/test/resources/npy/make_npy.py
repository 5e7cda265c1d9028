"""Writes the small .npy files that NpyTest reads, with numpy itself (run once by hand: python3 make_npy.py).

The tests only read the files; they never need Python. numpy 2.4 made the checked-in copies.
"""
import numpy as np

np.save("f32_2x3.npy", np.array([[1.5, -0.0, np.inf], [-np.inf, 3e-42, np.nan]], dtype="<f4"))
np.save("i64_3.npy", np.array([-(2**63), 0, 2**40], dtype="<i8"))
np.save("bool_2x2.npy", np.array([[True, False], [False, True]]))
np.save("f32_scalar.npy", np.float32(3.5))
np.save("f32_fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
with open("f32_v2_0x3.npy", "wb") as f:
    np.lib.format.write_array(f, np.zeros((0, 3), dtype="<f4"), version=(2, 0))

# Npy.readAsF32: float64, float16 and big-endian floats, each with numpy's own float32 conversion
# (astype, round to nearest even) beside it as the expected values. The float64 values: NaN, the
# infinities, -0.0, 0.1 (rounds), 1 + 2**-24 (halfway: to even, down), 1 + 3 * 2**-24 (halfway: up),
# 1e-40 (a float32 subnormal), 1e-50 (below float32's smallest: 0), float32's largest finite value.
f64 = np.array([[np.nan, np.inf, -np.inf, -0.0, 0.1],
                [1 + 2**-24, 1 + 3 * 2**-24, 1e-40, 1e-50, float(np.finfo(np.float32).max)]], dtype="<f8")
np.save("f64_2x5.npy", f64)
np.save("f64_2x5_big_endian.npy", f64.astype(">f8"))
np.save("f64_2x5_as_f32.npy", f64.astype("<f4"))
np.save("f32_2x5_big_endian.npy", f64.astype(">f4"))
f16 = np.array([[np.nan, np.inf, -np.inf], [-0.0, 6e-8, 65504.0], [0.1, -2.5, 1.0]], dtype="<f2")
np.save("f16_3x3.npy", f16)
np.save("f16_3x3_big_endian.npy", f16.astype(">f2"))
np.save("f16_3x3_as_f32.npy", f16.astype("<f4"))
# beyond float32's range: numpy's astype would make it infinite; readAsF32 refuses it
np.save("f64_out_of_range.npy", np.array([1.0, -1e39], dtype="<f8"))
