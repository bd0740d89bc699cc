"""Method names → trainer classes, and the one place that builds a trainer from options."""

import keras

from igdtf.methods.alignment_penalty import AlignmentPenalty
from igdtf.methods.gradient_norm import InputGradientNorm
from igdtf.methods.igam import IGAM
from igdtf.methods.igd import IGD
from igdtf.methods.igdm import IGDM
from igdtf.methods.kdiga import KDIGA
from igdtf.methods.pag import PAG
from igdtf.methods.pgdat import PGDAT, PGDATCutOut
from igdtf.methods.standard import Standard
from igdtf.methods.trades import TRADES, TRADESIGD
from igdtf.validation import check_choice

METHODS = {
    "standard": Standard, "pgdat": PGDAT, "pgdat_cutout": PGDATCutOut, "igd": IGD, "igam": IGAM, "pag": PAG,
    "alignment_penalty": AlignmentPenalty, "input_gradient_norm": InputGradientNorm, "trades": TRADES,
    "trades_igd": TRADESIGD, "kdiga": KDIGA, "igdm": IGDM,
}
METHOD_HELP = {
    "standard": "CE on clean inputs.",
    "pgdat": "PGD adversarial training (Madry et al.): CE on PGD-k examples.",
    "pgdat_cutout": "PGDAT on CutOut-augmented inputs.",
    "igd": "PGDAT - lambda*cos(student, teacher input gradients of the true logit); teacher = a frozen "
           "standard model (IGD paper).",
    "igam": "CE + lambda_adv*(fool a discriminator of input gradients) + lambda_diff*||J_s - J_t||^2, "
            "J = dCE/dx; teacher = a robust model whose logit layer is first finetuned on this task "
            "(Chan et al. 2020).",
    "pag": "CE + lambda*sum over classes of (1 - cos(d logit_t/dx, g(x, t))), targets g from one image, the "
           "class mean, the nearest neighbour, or a robust teacher's gradients (rigd) (Ganz et al. 2023).",
    "alignment_penalty": "CE - lambda_alpha*cos(grad of (logit of the closest wrong class - true logit), "
                         "dx to the closest point of that class); needs a dataset with an analytic dx "
                         "(spheres, squares) (Lanfredi et al.).",
    "input_gradient_norm": "CE + lambda*||dCE/dx||^2 (Ross & Doshi-Velez 2018).",
    "trades": "CE(f(x)) + beta*KL(f(x) || f(x')), x' maximising the KL (Zhang et al. 2019).",
    "trades_igd": "TRADES - lambda*cos(student, teacher input gradients) (TRADES + IGD).",
    "kdiga": "(1-alpha)*CE + alpha*tau^2*KL(t^tau(x) || f^tau(x)) + gamma*||dCE_f/dx - dCE_t/dx||_2 on clean x; "
             "teacher = a frozen robust model (Shao et al. 2021).",
    "igdm": "PGDAT + alpha_e*KL(softmax(t(x+d) - t(x-d)) || softmax(f(x+d) - f(x-d))), d = the PGD perturbation, "
            "alpha_e = alpha*epoch/epochs; teacher = a frozen robust model (Lee, Cho & Kim 2023).",
}
TEACHER_METHODS = ("igd", "igam", "trades_igd", "kdiga", "igdm")  # need a teacher; pag needs one for source rigd
OPTIONAL_TEACHER_METHODS = ("pag",)
ROBUST_TEACHER_METHODS = ("igam", "kdiga", "igdm")
ADVERSARIAL_METHODS = ("pgdat", "pgdat_cutout", "igd", "trades", "trades_igd", "igdm")


def teacher_requirement(method: str, pag_source: str | None = None) -> str | None:
    """The teacher `method` needs: "standard", "robust" or None."""
    check_choice("method", method, METHODS)
    if method in ROBUST_TEACHER_METHODS or (method == "pag" and pag_source == "rigd"):
        return "robust"
    return "standard" if method in TEACHER_METHODS else None


def build_trainer(method: str, student: keras.Model, teacher: keras.Model | None = None, **options):
    """The trainer for `method` around `student`; `options` go to its constructor.

    Raises ValueError for an unknown method, a missing teacher for a distillation method, or a
    teacher given to a method that does not use one.
    """
    check_choice("method", method, METHODS)
    if method in TEACHER_METHODS:
        if teacher is None:
            kind = teacher_requirement(method)
            raise ValueError(f"Method {method!r} needs a teacher model (a frozen {kind} model).")
        return METHODS[method](student, teacher, **options)
    if method in OPTIONAL_TEACHER_METHODS:
        return METHODS[method](student, teacher=teacher, **options)
    if teacher is not None:
        raise ValueError(
            f"Method {method!r} takes no teacher; only {', '.join(TEACHER_METHODS + OPTIONAL_TEACHER_METHODS)} do."
        )
    return METHODS[method](student, **options)
