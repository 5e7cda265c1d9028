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
