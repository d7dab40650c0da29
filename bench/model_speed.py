"""Model speed: retrain every task of a label set like ours, and batch pre-annotation.

Targets of issue 3: retraining on 10k labelled sentences, all tasks, metrics
included, in <= 10 s; predicting >= 50,000 sentences/s with a fitted model.

The label set is shaped like ``labels/default.toml``: stance toward 6 targets
(with aliases), bias (2 values), opinion (3 values), frames (multi choice,
18 values). The data is generated (seeded): pseudo-Indonesian sentences of
about 25 words over a Zipf-distributed vocabulary of ~40,000 affixed word
forms, 10 outlets whose bylines are masked, and labels that follow cue words
with 15 % noise (so the classifiers work as hard as on real labels, not on a
separable toy). Every sentence gets a bias, an opinion and a frames label and
a stance label for each target it names (1-2).

    .venv/bin/python bench/model_speed.py                 # 10k sentences, 50k predicted
    .venv/bin/python bench/model_speed.py --quick         # 2k sentences, 10k predicted
    .venv/bin/python bench/model_speed.py --sentences 10000 --predict 50000 --repeat 3
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import model
from annotator.model.training import clear_feature_cache
from bench.common import Report, machine, parser

TARGETS = {
    "Donald Trump": ("Trump", "Donald Trump"),
    "Elon Musk": ("Musk", "Elon Musk", "miliarder teknologi itu"),
    "Kamala Harris": ("Harris", "Kamala Harris"),
    "Joe Biden": ("Biden", "Joe Biden"),
    "X": ("Twitter", "X/Twitter"),
    "European Union": ("Uni Eropa", "UE"),
}
OUTLETS = ("Kompas", "Tempo", "detikcom", "Antara", "Republika", "Tribunnews", "Liputan6",
           "kumparan", "CNN Indonesia", "BBC News Indonesia")  # fmt: skip
FRAMES = ("economic", "capacity", "morality", "fairness", "legality", "policy", "crime",
          "security", "health", "quality-of-life", "cultural-identity", "public-opinion",
          "political", "regulation-reputation", "misinformation", "cyber-attack", "campaign",
          "other")  # fmt: skip
FUNCTION = ("yang", "dan", "di", "ke", "dari", "dengan", "untuk", "dalam", "pada", "ini", "itu",
            "juga", "akan", "tidak", "karena", "sebagai", "telah", "sudah", "masih", "bahwa")  # fmt: skip
PREFIXES = ("", "", "me", "mem", "men", "meng", "di", "ber", "ter", "pe", "pen", "ke", "se")
SUFFIXES = ("", "", "", "kan", "an", "nya", "i", "lah")
SYLLABLES = tuple(c + v for c in "bcdfghjklmnprstwy" for v in "aiueo")


@dataclass
class LabelledCorpus:
    texts: list[str]
    outlets: list[str]
    bias: list[str]
    opinion: list[str]
    frames: list[frozenset[str]]
    stance_texts: list[str] = field(default_factory=list)
    stance_targets: list[str] = field(default_factory=list)
    stance: list[str] = field(default_factory=list)
    stance_outlets: list[str] = field(default_factory=list)

    @property
    def n_labels(self) -> int:
        return len(self.bias) + len(self.opinion) + len(self.frames) + len(self.stance)


def vocabulary(rng: random.Random, size: int = 40_000) -> list[str]:
    """Affixed pseudo-Indonesian word forms over ~8,000 roots."""
    roots = {
        "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))) for _ in range(8000)
    }
    ordered = sorted(roots)
    forms: dict[str, None] = {}
    while len(forms) < size:
        forms[rng.choice(PREFIXES) + rng.choice(ordered) + rng.choice(SUFFIXES)] = None
    return list(forms)


class SentenceMaker:
    """Sentences of ~25 words: Zipf-distributed content words, function words, cue words."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        weights = [1 / (rank + 10) ** 1.05 for rank in range(len(self.words))]
        self.cumulative = list(_accumulate(weights))
        cues = self.rng.sample(self.words[2000:], 400)
        self.cue = {
            name: cues[i * 12 : (i + 1) * 12]
            for i, name in enumerate(
                ["biased", "not-biased", "factual", "mixed", "opinion", *FRAMES, "favor", "against"]
            )
        }

    def filler(self, n: int) -> list[str]:
        picks = self.rng.choices(self.words, cum_weights=self.cumulative, k=n)
        return [self.rng.choice(FUNCTION) if self.rng.random() < 0.3 else w for w in picks]

    def cues(self, name: str, k: int = 2) -> list[str]:
        return self.rng.sample(self.cue[name], k)


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


def labelled_corpus(sentences: int, *, seed: int = 0, noise: float = 0.15) -> LabelledCorpus:
    """``sentences`` labelled sentences of a label set like ours (seeded)."""
    maker = SentenceMaker(seed)
    rng = maker.rng
    corpus = LabelledCorpus([], [], [], [], [])
    names = list(TARGETS)

    def noisy(value: str, options: tuple[str, ...]) -> str:
        return rng.choice(options) if rng.random() < noise else value

    for i in range(sentences):
        outlet = OUTLETS[i % len(OUTLETS)]
        # Outlets lean: their label mix differs, and their byline is a tell.
        lean = (i % len(OUTLETS)) / len(OUTLETS)
        bias = "biased" if rng.random() < 0.25 + 0.5 * lean else "not-biased"
        opinion = rng.choice(("factual", "mixed", "opinion"))
        frames = frozenset(rng.sample(FRAMES, rng.choice((0, 1, 1, 2, 3))))
        mentioned = rng.sample(names, rng.choice((1, 1, 2)))
        stances = {t: rng.choice(("favor", "against", "neutral")) for t in mentioned}
        words = maker.filler(16) + maker.cues(bias) + maker.cues(opinion, 1)
        for frame in frames:
            words += maker.cues(frame, 1)
        rng.shuffle(words)
        for target, value in stances.items():
            alias = rng.choice(TARGETS[target])
            cue = maker.cues(value, 1) if value != "neutral" else []
            at = rng.randrange(len(words) + 1)
            words[at:at] = [*cue, alias]
        if rng.random() < 0.3:
            words = [f"({outlet})", *words] if rng.random() < 0.5 else [*words, "kata", outlet]
        text = " ".join(words).capitalize() + "."
        corpus.texts.append(text)
        corpus.outlets.append(outlet)
        corpus.bias.append(noisy(bias, ("biased", "not-biased")))
        corpus.opinion.append(noisy(opinion, ("factual", "mixed", "opinion")))
        corpus.frames.append(frames if rng.random() > noise else frozenset(rng.sample(FRAMES, 1)))
        for target, value in stances.items():
            corpus.stance_texts.append(text)
            corpus.stance_targets.append(target)
            corpus.stance.append(noisy(value, ("favor", "against", "neutral")))
            corpus.stance_outlets.append(outlet)
    return corpus


def sentences_to_predict(n: int, *, seed: int = 1) -> list[str]:
    maker = SentenceMaker(seed)
    return [" ".join(maker.filler(25)).capitalize() + "." for _ in range(n)]


def main(argv: list[str] | None = None) -> Report:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sentences", type=int, default=None, help="labelled sentences (10,000)")
    p.add_argument("--predict", type=int, default=None, help="sentences to pre-annotate (50,000)")
    args = p.parse_args(argv)
    n = args.sentences or (2000 if args.quick else 10_000)
    n_predict = args.predict or (10_000 if args.quick else 50_000)
    repeat = args.repeat or (1 if args.quick else 3)
    seed = args.seed if args.seed != 20240812 else 0
    report = Report(
        "model_speed", {"sentences": n, "predict": n_predict, "repeat": repeat, "seed": seed}
    )
    corpus = labelled_corpus(n, seed=seed)
    report.details["label rows"] = (
        f"{corpus.n_labels:,} (stance {len(corpus.stance):,}, bias {len(corpus.bias):,}, "
        f"opinion {len(corpus.opinion):,}, frames {len(corpus.frames):,})"
    )
    trained: dict[str, model.TrainedTask] = {}
    tasks = label_set_tasks(corpus)
    model.fit_tasks({"bias": tasks["bias"]}, n_jobs=2, mask=OUTLETS)  # start the workers
    order = sorted(tasks, key=lambda name: -tasks[name].cost)  # as fit_tasks orders them
    walls, cpus = [], []
    per_task: dict[str, list[float]] = {}
    for _ in range(repeat):
        clear_feature_cache()
        start, cpu = time.perf_counter(), time.process_time()
        for name in order:
            t0 = time.perf_counter()
            result = model.fit_tasks({name: tasks[name]}, mask=OUTLETS)[name]
            per_task.setdefault(name, []).append(time.perf_counter() - t0)
            assert isinstance(result, model.TrainedTask), result
            trained[name] = result
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    report.add(
        f"retrain all 4 tasks, {n:,} sentences (in this process)",
        statistics.median(walls),
        "s",
        target=10.0,
        note=f"CPU {statistics.median(cpus):.1f} s",
    )
    for name in order:
        m = trained[name].metrics
        grouped = m.grouped.macro_f1 if m.grouped else float("nan")
        report.add(
            f"  {name}",
            statistics.median(per_task[name]),
            "s",
            note=f"{tasks[name].kind}, {len(tasks[name].labels):,} labels, macro-F1 "
            f"{m.random.macro_f1:.3f}, outlets held out {grouped:.3f}",
        )
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        results = model.fit_tasks(tasks, n_jobs=2, mask=OUTLETS)
        walls.append(time.perf_counter() - start)
        assert all(isinstance(r, model.TrainedTask) for r in results.values())
    report.add(
        f"retrain all 4 tasks, {n:,} sentences (fit_tasks, 2 worker processes)",
        statistics.median(walls),
        "s",
        target=10.0,
        note="runs " + ", ".join(f"{w:.1f}" for w in walls),
    )
    texts = sentences_to_predict(n_predict, seed=seed + 1)
    report.details["words per predicted sentence"] = round(
        sum(len(t.split()) for t in texts) / len(texts), 1
    )
    for name in ("bias", "stance", "frames"):
        fitted = trained[name]
        targets = ["Elon Musk"] * len(texts) if name == "stance" else None
        model.predict_proba(fitted, texts[:100], targets=targets[:100] if targets else None)
        rates, cpu_rates = [], []
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            model.predict_proba(fitted, texts, targets=targets)
            rates.append(len(texts) / (time.perf_counter() - start))
            cpu_rates.append(len(texts) / max(time.process_time() - cpu, 1e-9))
        report.add(
            f"pre-annotate with the {name} model",
            statistics.median(rates),
            "sentences/s",
            target=50_000,
            higher_is_better=True,
            note=f"per CPU second {statistics.median(cpu_rates):,.0f}",
        )
    # The same predictions through scikit-learn's own vectorizers, for the ratio.
    bias = trained["bias"]
    features = bias.model.named_steps["features"]
    sample = texts[: max(2000, n_predict // 10)]
    start = time.perf_counter()
    features.set_params(fast=False)
    slow = bias.model.predict_proba(sample)
    slow_rate = len(sample) / (time.perf_counter() - start)
    features.set_params(fast=True)
    fast, _ = model.predict_proba(bias, sample)
    report.add(
        "  same model through sklearn's TfidfVectorizer.transform",
        slow_rate,
        "sentences/s",
        higher_is_better=True,
        note=f"identical probabilities: {abs(fast - slow).max() < 1e-9}",
    )
    report.details["machine"] = machine()
    report.finish(args)
    return report


def label_set_tasks(corpus: LabelledCorpus) -> dict[str, model.TaskLabels]:
    """The four tasks of the label set, as the retrain button hands them over."""
    aliases = {t: list(a) for t, a in TARGETS.items()}
    return {
        "stance": model.TaskLabels(
            "stance",
            corpus.stance_texts,
            corpus.stance,
            targets=corpus.stance_targets,
            groups=corpus.stance_outlets,
            classes=("favor", "against", "neutral"),
            aliases=aliases,
        ),
        "bias": model.TaskLabels(
            "single",
            corpus.texts,
            corpus.bias,
            groups=corpus.outlets,
            classes=("biased", "not-biased"),
        ),
        "opinion": model.TaskLabels(
            "single",
            corpus.texts,
            corpus.opinion,
            groups=corpus.outlets,
            classes=("factual", "mixed", "opinion"),
        ),
        "frames": model.TaskLabels(
            "multi", corpus.texts, corpus.frames, groups=corpus.outlets, classes=FRAMES
        ),
    }


if __name__ == "__main__":
    main()
