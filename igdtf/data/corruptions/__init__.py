"""The ImageNet-C corruptions (Hendrycks & Dietterich 2019): names.py (names, severities),
apply.py (corrupting images, also as a tf.data op), functions.py and filters.py (the algorithms),
severities.py (their constants), frost/ (frost's photographs, package data) and folders.py
(reading a corruption benchmark laid out like ImageNet-C)."""
