"""The surviving mutants of `reference/` judged equivalent: no input tells them from the original.

Each entry is a mutant's name, as `mutmut show NAME` takes it, and why it cannot be told apart.
`tests/harness/mutation_report.py` counts these apart from the survivors that change behaviour,
and names an entry that a run no longer has as a survivor, so that the list cannot go stale.
"""

EQUIVALENTS = {
    "reference.promotion.x__operand__mutmut_7": (
        'a Python bool\'s kind "number" renamed: the bool is then skipped by result_type, which '
        "is what it does anyway, since the bool category never outranks a tensor's"
    ),
    "reference.promotion.x__operand__mutmut_8": "as x__operand__mutmut_7, spelt NUMBER",
    "reference.promotion.x__promote_floats__mutmut_10": (
        "max by name instead of by bits: float16 < float32 < float64 alphabetically too, and the "
        "one pair where names and bits disagree (bfloat16, float16) is decided before"
    ),
    "reference.promotion.x__promote_floats__mutmut_13": "as x__promote_floats__mutmut_10",
    "reference.autograd.x__as_float64__mutmut_11": (
        "astype(None) for astype(float): NumPy reads a dtype of None as float64, its default"
    ),
    "reference.conv.x_pool_output_size__mutmut_33": (
        "padding > kernel_size / 2 for // 2: padding is an int by then, and an int exceeds k / 2 "
        "exactly when it exceeds k // 2"
    ),
    "reference.conv.x_conv2d__mutmut_31": (
        "channels / groups for // in the weight check: groups divides channels (refused just "
        "before otherwise), so the float quotient equals the int one"
    ),
    "reference.conv.x_conv2d__mutmut_84": (
        "a zero channel padded after the last: each group's slice of channels ends at channels "
        "at most, so none reads it"
    ),
    "reference.conv.x_conv2d__mutmut_130": (
        "einsum's subscripts in capitals: the same labels, so the same sum"
    ),
    "reference.conv.x_conv2d__mutmut_142": (
        "bias reshaped to (C, 1, 1) for (1, C, 1, 1): adding it to the 4-d out broadcasts the "
        "missing leading dim as 1"
    ),
    **{
        f"reference.optim.x__inputs__mutmut_{number}": (
            "astype(None) for astype(np.float64): NumPy reads a dtype of None as float64"
        )
        for number in (2, 10)
    },
    "reference.optim.x_rmsprop_step__mutmut_63": (
        "np.zeros_like(None), a 0-d object 0, for zeros of params' shape: zeros is only ever "
        "multiplied by a Python float (alpha, momentum) and added to a float64 array of params' "
        "shape, which gives the same values, shape and dtype either way"
    ),
    "reference.shapes.x_broadcast_shape__mutmut_9": (
        "max's default None for 0: with no shapes, padded is empty and zip yields no column, so "
        "ndim is never read; with shapes, the default is not used"
    ),
    "reference.shapes.x_broadcast_shape__mutmut_12": "as x_broadcast_shape__mutmut_9, default 1",
    **{
        f"reference.shapes.x_broadcast_shape__mutmut_{number}": (
            "zip's strict= dropped or not True: every padded shape has ndim sizes"
        )
        for number in (20, 22, 23)
    },
    **{
        f"reference.shapes.x_viewable_as_flat__mutmut_{number}": (
            "zip's strict= dropped or not True: strides of another length than shape were "
            "refused just before"
        )
        for number in (23, 26, 27)
    },
    **{
        f"reference.metrics.x_{function}__mutmut_{number}": (
            "zip's strict= dropped or False: _pair has refused labels and predictions of "
            "different lengths already, so zip never sees two"
        )
        for function, numbers in (("num_correct", (10, 13, 14)), ("confusion_matrix", (24, 27, 28)))
        for number in numbers
    },
    **{
        f"reference.memory.x_shares_memory__mutmut_{number}": (
            "intersect1d's assume_unique dropped, None or False: a speed hint only, and both "
            "arrays come from np.unique, so the intersection is the same"
        )
        for number in (24, 27, 28)
    },
    **{
        f"reference.data.x_cifar_batch__mutmut_{number}": (
            'encode("LATIN1") for encode("latin1"): Python looks codecs up by their name in '
            "lower case, so both are the same codec"
        )
        for number in (52, 62)
    },
    **{
        f"reference.data.x__save_python2__mutmut_{number}": (
            'struct "<I" for "<i": the branch holds a number in 256..2**31-1 only, which both '
            "pack to the same 4 bytes"
        )
        for number in (33, 54)
    },
    **{
        f"reference.nn.x_{function}__mutmut_{number}": (
            "astype(None) for astype(np.float64): NumPy reads a dtype of None as float64"
        )
        for function, numbers in (
            ("linear", (31, 32, 46)),
            ("relu", (9,)),
            ("sigmoid", (9,)),
            ("tanh", (13,)),
            ("softplus", (28,)),
            ("softmax", (15,)),
            ("log_softmax", (15,)),
            ("cross_entropy", (31, 81)),
            ("mse_loss", (19, 20)),
        )
        for number in numbers
    },
    "reference.nn.x_sigmoid__mutmut_24": (
        "values > 0 for values >= 0: at 0 (and -0.0) both branches give 1 / (1 + 1) = 0.5, and a "
        "NaN is NaN in either"
    ),
}
