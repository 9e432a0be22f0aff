"""Text and JSON summaries of check reports for the command line."""

from keras_tailor.testing.checker import CHECK_NAMES
from keras_tailor.testing.report import FAILED, PASSED, SKIPPED

_CELL = {PASSED: "ok", FAILED: "FAIL", SKIPPED: "skip"}
_SHORT = {
    "config": "config",
    "registration": "registered",
    "model_round_trip": "model",
    "numerics": "numerics",
    "mixed_precision": "mixed",
    "loss_reductions": "reduction",
    "metric_streaming": "stream",
    "metric_direction": "direction",
    "metric_stateless": "stateless",
    "metric_history": "history",
    "metric_distribution": "replicas",
    "weights_contract": "contract",
}


def _column(result_name, kind):
    return "weights_contract" if result_name == f"{kind}_contract" else result_name


def format_table(reports):
    """Return a table per backend (a row per component, a column per check) and the failures below."""
    lines = []
    backends = list(dict.fromkeys(report.backend for report in reports))
    for backend in backends:
        rows = [report for report in reports if report.backend == backend]
        columns = [name for name in CHECK_NAMES if any(_column(r.name, rep.kind) == name for rep in rows for r in rep.results)]
        label_width = max(len("component"), *(len(r.label) for r in rows))
        widths = [max(len(_SHORT[name]), 4) for name in columns]
        lines.append(f"Backend: {backend}")
        lines.append("  ".join(["component".ljust(label_width), "kind".ljust(11)] + [_SHORT[n].ljust(w) for n, w in zip(columns, widths)]))
        for report in rows:
            cells = {_column(r.name, report.kind): _CELL[r.status] for r in report.results}
            lines.append(
                "  ".join([report.label.ljust(label_width), report.kind.ljust(11)] + [cells.get(n, "-").ljust(w) for n, w in zip(columns, widths)])
            )
        lines.append("")
    failures = [(report, result) for report in reports for result in report.results if result.status == FAILED]
    if failures:
        lines.append("Failures:")
        for report, result in failures:
            lines.append(f"  [{report.backend}] {report.label} {result.name}: {result.message}")
    skips = {(result.name, result.message) for report in reports for result in report.results if result.status == SKIPPED}
    if skips:
        lines.append("Skipped (limits of Keras or of the check, not failures):")
        for name, message in sorted(skips):
            lines.append(f"  {name}: {message}")
    total = len(reports)
    failed = sum(1 for report in reports if not report.passed)
    lines.append(f"{total - failed} of {total} component checks passed on {', '.join(backends)}.")
    return "\n".join(lines)
