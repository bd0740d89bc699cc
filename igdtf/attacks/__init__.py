"""Threat models, PGD and AutoAttack; attacks run with training=False and in float32."""

from igdtf.attacks.apgd import apgd_attack
from igdtf.attacks.autoattack import ATTACKS, VERSIONS, AutoAttack, AutoAttackResult
from igdtf.attacks.fab import fab_attack
from igdtf.attacks.losses import dlr_loss, dlr_targeted_loss, margin
from igdtf.attacks.pgd import PGD, cross_entropy, pgd_attack
from igdtf.attacks.square import square_attack
from igdtf.attacks.threat_models import THREAT_MODELS, L2Ball, LinfBall, threat_model

__all__ = [
    "ATTACKS", "VERSIONS", "AutoAttack", "AutoAttackResult", "PGD", "THREAT_MODELS", "L2Ball", "LinfBall",
    "apgd_attack", "cross_entropy", "dlr_loss", "dlr_targeted_loss", "fab_attack", "margin", "pgd_attack",
    "square_attack", "threat_model",
]
