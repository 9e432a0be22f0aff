"""Results of `check_component`: one entry per named check."""

import json

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"


class CheckResult:
    """The outcome of one check: its name, a status, and a message naming what is at fault."""

    def __init__(self, name, status, message=""):
        if status not in (PASSED, FAILED, SKIPPED):
            raise ValueError(f"Invalid status: received {status!r}, expected passed, failed or skipped.")
        self.name = name
        self.status = status
        self.message = message

    def to_dict(self):
        return {"name": self.name, "status": self.status, "message": self.message}

    def __repr__(self):
        return f"CheckResult({self.name!r}, {self.status!r}, {self.message!r})"


class ComponentReport:
    """All check results for one component on one backend.

    Attributes:
        label: the component, as `module:Name`.
        kind: loss, metric, activation, regularizer, constraint, initializer or layer.
        backend: the Keras backend the checks ran on.
        results: the `CheckResult`s in the order they ran.
    """

    def __init__(self, label, kind, backend, results=None):
        self.label = label
        self.kind = kind
        self.backend = backend
        self.results = list(results or [])

    def add(self, name, status, message=""):
        self.results.append(CheckResult(name, status, message))

    def result(self, name):
        """Return the result named `name`, or None."""
        for result in self.results:
            if result.name == name:
                return result
        return None

    @property
    def failures(self):
        return [result for result in self.results if result.status == FAILED]

    @property
    def passed(self):
        return not self.failures

    def to_dict(self):
        return {
            "label": self.label,
            "kind": self.kind,
            "backend": self.backend,
            "passed": self.passed,
            "results": [result.to_dict() for result in self.results],
        }

    @classmethod
    def from_dict(cls, data):
        results = [CheckResult(r["name"], r["status"], r["message"]) for r in data["results"]]
        return cls(data["label"], data["kind"], data["backend"], results)

    def to_json(self):
        return json.dumps(self.to_dict())

    def format(self):
        """Return a readable multi-line summary with every failure and skip explained."""
        lines = [f"{self.label} ({self.kind}, {self.backend}): {'passed' if self.passed else 'FAILED'}"]
        for result in self.results:
            line = f"  {result.status:<7}  {result.name}"
            if result.message:
                line += f": {result.message}"
            lines.append(line)
        return "\n".join(lines)

    def __repr__(self):
        return f"ComponentReport({self.label!r}, passed={self.passed}, checks={len(self.results)})"


class ComponentCheckError(AssertionError):
    """Raised by `assert_component` when a check fails; the message is the full report."""

    def __init__(self, report):
        self.report = report
        super().__init__(report.format())
