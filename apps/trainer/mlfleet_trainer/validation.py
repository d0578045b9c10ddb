"""Data validation: schema, missing and non-finite values, ranges, class balance, target leakage.

All checks run and are collected into one report, so a user fixes every problem in one go.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mlfleet_trainer.config import ValidationConfig


@dataclass
class ValidationReport:
    rows: int
    columns: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    class_balance: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def render(self) -> str:
        lines = [f"data validation: {self.rows} rows, {self.columns} feature columns"]
        if self.class_balance:
            balance = ", ".join(f"{k}: {v:.1%}" for k, v in self.class_balance.items())
            lines.append(f"  class balance: {balance}")
        lines += [f"  ERROR   {e}" for e in self.errors]
        lines += [f"  warning {w}" for w in self.warnings]
        lines.append("  result: " + ("ok" if self.ok else f"FAILED ({len(self.errors)} error(s))"))
        return "\n".join(lines)


def validate(features: pd.DataFrame, target: pd.Series, task: str, cfg: ValidationConfig) -> ValidationReport:
    report = ValidationReport(rows=len(features), columns=features.shape[1])
    if len(features) < cfg.min_rows:
        report.errors.append(f"only {len(features)} rows; need at least {cfg.min_rows}")
    if features.shape[1] == 0:
        report.errors.append("no feature columns besides the target")
    _schema(features, report)
    numeric = features.select_dtypes(include="number")
    _missing_and_non_finite(features, numeric, target, cfg, report)
    for column in numeric.columns:
        finite = numeric[column][np.isfinite(numeric[column])]
        if len(finite):
            report.ranges[str(column)] = (float(finite.min()), float(finite.max()))
            if finite.nunique() == 1:
                report.warnings.append(
                    f"column {column!r} is constant ({finite.iloc[0]}); it carries no signal"
                )
    if task == "classification":
        _class_balance(target, cfg, report)
    elif not pd.api.types.is_numeric_dtype(target):
        report.errors.append(f"regression target {target.name!r} is not numeric (dtype {target.dtype})")
    _leakage(numeric, target, cfg, report)
    return report


def _schema(features: pd.DataFrame, report: ValidationReport) -> None:
    duplicated = features.columns[features.columns.duplicated()].tolist()
    if duplicated:
        report.errors.append(f"duplicated column names: {duplicated}")
    non_numeric = [str(c) for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if non_numeric:
        report.errors.append(
            f"non-numeric feature columns {non_numeric}: encode them as numbers before training"
        )


def _missing_and_non_finite(
    features: pd.DataFrame,
    numeric: pd.DataFrame,
    target: pd.Series,
    cfg: ValidationConfig,
    report: ValidationReport,
) -> None:
    for column in features.columns:
        fraction = float(features[column].isna().mean())
        if fraction > cfg.max_missing_fraction:
            count = int(features[column].isna().sum())
            report.errors.append(
                f"column {column!r} has {count} missing value(s) ({fraction:.1%}; allowed "
                f"{cfg.max_missing_fraction:.1%}): impute or drop them"
            )
    for column in numeric.columns:
        infinite = int(np.isinf(numeric[column]).sum())
        if infinite:
            report.errors.append(f"column {column!r} has {infinite} infinite value(s)")
    if target.isna().any():
        report.errors.append(f"target {target.name!r} has {int(target.isna().sum())} missing value(s)")


def _class_balance(target: pd.Series, cfg: ValidationConfig, report: ValidationReport) -> None:
    shares = target.value_counts(normalize=True, dropna=True).sort_index()
    report.class_balance = {str(k): float(v) for k, v in shares.items()}
    if len(shares) < 2:
        report.errors.append(f"target {target.name!r} has a single class; classification needs at least two")
        return
    for label, share in shares.items():
        if share < cfg.min_class_fraction:
            report.errors.append(
                f"class {label!r} is {share:.1%} of rows (minimum {cfg.min_class_fraction:.1%}): "
                "collect more data or lower validation.min_class_fraction"
            )


def _leakage(
    numeric: pd.DataFrame, target: pd.Series, cfg: ValidationConfig, report: ValidationReport
) -> None:
    """A feature that (almost) equals the target would not exist at prediction time."""
    if not pd.api.types.is_numeric_dtype(target) or numeric.empty:
        return
    clean = numeric.replace([np.inf, -np.inf], np.nan)
    with np.errstate(all="ignore"):
        correlation = clean.corrwith(target.astype(float)).abs()
    for column, value in correlation.items():
        if np.isfinite(value) and value >= cfg.leakage_correlation:
            report.errors.append(
                f"possible target leakage: column {column!r} has |correlation| {value:.3f} with the target "
                f"(threshold {cfg.leakage_correlation}); drop it if it is derived from the label"
            )
