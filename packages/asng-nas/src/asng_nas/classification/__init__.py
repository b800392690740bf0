"""The ENAS/CIFAR cell search: operations (:mod:`.ops`), cells (:mod:`.cells`), the weight-sharing
supernet (:mod:`.supernet`), the exported network (:mod:`.network`, :mod:`.genotype`), the ENAS
micro space (:mod:`.space`), the classification task and search builder (:mod:`.task`), offline
data and batched augmentation (:mod:`.data`, :mod:`.augment`), the genotype export
(:mod:`.export`) and retraining (:mod:`.retrain`).
"""
