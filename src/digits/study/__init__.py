"""The image-processing and feature study behind ``digits study``.

A grid of preprocessing/feature variants x model families, each cell trained
on MNIST and scored on the clean test set and on degraded copies of it, with
error-rate intervals and McNemar's test against each family's raw-pixel
baseline. :func:`digits.study.runner.run_study` runs it and writes the report.

Modules: :mod:`~digits.study.runner` (the whole run),
:mod:`~digits.study.config` (what runs), :mod:`~digits.study.degrade`
(degraded test sets), :mod:`~digits.study.grid` (training and prediction),
:mod:`~digits.study.stats` (intervals, McNemar, Holm),
:mod:`~digits.study.summary` (scored cells), :mod:`~digits.study.answers`,
:mod:`~digits.study.figures` and :mod:`~digits.study.report` (output).
"""
