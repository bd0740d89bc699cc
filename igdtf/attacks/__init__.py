"""Threat models and PGD; attacks run with training=False and in float32."""

from igdtf.attacks.pgd import PGD, cross_entropy, pgd_attack
from igdtf.attacks.threat_models import THREAT_MODELS, L2Ball, LinfBall, threat_model

__all__ = ["PGD", "cross_entropy", "pgd_attack", "THREAT_MODELS", "L2Ball", "LinfBall", "threat_model"]
