"""Threat models, PGD, AutoAttack and the training attacks; attacks run with training=False, in
float32 (a training attack optionally in bfloat16/float16, training_attacks.py)."""

from igdtf.attacks.apgd import apgd_attack
from igdtf.attacks.autoattack import ATTACKS, VERSIONS, AutoAttack, AutoAttackResult
from igdtf.attacks.fab import fab_attack
from igdtf.attacks.losses import cross_entropy, dlr_loss, dlr_targeted_loss, kl_divergence, margin
from igdtf.attacks.pgd import PGD, pgd_attack
from igdtf.attacks.square import square_attack
from igdtf.attacks.threat_models import THREAT_MODELS, L2Ball, LinfBall, threat_model
from igdtf.attacks.training_attacks import ATTACK_PRECISIONS, TRAIN_ATTACKS, TrainingAttack

__all__ = [
    "ATTACKS", "ATTACK_PRECISIONS", "TRAIN_ATTACKS", "VERSIONS", "AutoAttack", "AutoAttackResult", "PGD",
    "THREAT_MODELS", "L2Ball", "LinfBall", "TrainingAttack", "apgd_attack", "cross_entropy", "dlr_loss", "dlr_targeted_loss", "fab_attack", "kl_divergence", "margin", "pgd_attack",
    "square_attack", "threat_model",
]
