"""Train every task of a label set at once, one task per worker: :func:`fit_tasks`.

The retrain button trains all tasks that have enough labels. Their fits are
independent, and scikit-learn's liblinear holds the GIL, so on a 2-core
machine the fastest schedule is whole tasks side by side in two processes,
the biggest first. A task that cannot be trained (too few labels, one class
only) comes back as its :class:`~annotator.model.errors.ModelError` and does
not stop the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.utils.parallel import Parallel, delayed

from annotator.model.errors import ModelError
from annotator.model.training import TrainedTask, fit_task


@dataclass(frozen=True)
class TaskLabels:
    """The labels of one task, as :func:`~annotator.model.training.fit_task` takes them."""

    kind: str
    texts: Sequence[str]
    labels: Sequence[Any]
    targets: Sequence[str] | None = None
    groups: Sequence[str] | None = None
    classes: Sequence[str] | None = None
    aliases: Mapping[str, Sequence[str]] | None = None

    @property
    def cost(self) -> int:
        """Rough training work: rows times binary problems (stance counts double)."""
        values = len(self.classes) if self.classes else len({str(v) for v in self.labels})
        if self.kind == "multi":
            return len(self.labels) * max(values, 1)
        return len(self.labels) * max(values - 1, 1) * (2 if self.kind == "stance" else 1)


def _fit(name: str, task: TaskLabels, options: dict[str, Any]) -> tuple[str, Any]:
    try:
        return name, fit_task(
            task.kind,
            task.texts,
            task.labels,
            targets=task.targets,
            groups=task.groups,
            classes=task.classes,
            aliases=dict(task.aliases) if task.aliases else None,
            **options,
        )
    except ModelError as error:
        return name, error


def fit_tasks(
    tasks: Mapping[str, TaskLabels],
    *,
    n_jobs: int | None = None,
    mask: Iterable[str] = (),
    **options: Any,
) -> dict[str, TrainedTask | ModelError]:
    """Train each task; ``n_jobs`` worker processes (None: one, here).

    ``mask`` and other keywords (``learning_curve``, ``random_state``, model
    parameters) apply to every task. Returns, in the order of ``tasks``, the
    trained task or the reason it was not trained.
    """
    shared = {"mask": tuple(mask), **options}
    order = sorted(tasks, key=lambda name: -tasks[name].cost)
    if n_jobs is not None and n_jobs > 1 and len(order) > 1:
        done = Parallel(n_jobs=n_jobs)(delayed(_fit)(name, tasks[name], shared) for name in order)
    else:
        done = [_fit(name, tasks[name], shared) for name in order]
    results = dict(done)
    return {name: results[name] for name in tasks}
