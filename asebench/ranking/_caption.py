"""``ranks.md``: the diagram, what it does and does not show, the ranks and the tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from asebench.ranking._ranking import Ranking, display_names, method_name

__all__ = ["BACKEND_NAMES", "caption_markdown", "task_name"]

BACKEND_NAMES: dict[str, str] = {"tabular": "NB201", "nas-bench-graph": "NAS-Bench-Graph"}
"""Benchmark names in the caption (others: the backend's own name)."""

_SMALL_N, _SMALL_K = 10, 5  # Demsar (2006): the chi-square approximation wants N > 10, k > 5


def task_name(task: str) -> str:
    """``tabular:cifar10`` -> ``NB201 CIFAR-10``."""
    from asebench.figures._style import dataset_name

    backend, _, dataset = task.partition(":")
    return f"{BACKEND_NAMES.get(backend, backend)} {dataset_name(dataset)}"


def _p(value: float) -> str:
    return f"{value:.2g}" if value >= 1e-3 else f"{value:.1e}"


def _list(items: Sequence[str]) -> str:
    return ", ".join(items)


def _grid(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(row) + " |" for row in rows)]


def _left_out(ranking: Ranking) -> list[str]:
    block = ranking.block
    if not block.dropped_labels and not block.dropped_tasks:
        return ["Every method ran on every task: nothing is left out."]
    lines = ["The test needs every method on every task. Rule: keep the most tasks on which "
             "at least 3 methods all ran, and on them every method that ran on all of them "
             "(a task left out would lose every method's score on it, a method left out only "
             "its own)."]
    for label, missing in block.dropped_labels.items():
        lines.append(f"- Method left out: {method_name(label)} (`{label}`), no runs on "
                     f"{_list([task_name(t) for t in missing])}; its accuracies are in "
                     f"ranks_by_task.csv.")
    for task, lacking in block.dropped_tasks.items():
        lines.append(f"- Task left out: {task_name(task)}, which lacks "
                     f"{_list([method_name(x) for x in lacking])}.")
    return lines


def _tests(ranking: Ranking) -> str:
    f, alpha = ranking.friedman, ranking.alpha
    rejects = f.p_value < alpha
    text = (f"Friedman test over the {f.n} tasks: chi-square = {f.statistic:.2f} with {f.k - 1} "
            f"df, p = {_p(f.p_value)}; Iman-Davenport F = {f.iman_davenport:.2f} with "
            f"{f.k - 1} and {(f.k - 1) * (f.n - 1)} df, p = {_p(f.iman_davenport_p)}. It "
            f"{'rejects' if rejects else 'does not reject'} equal average ranks at alpha = "
            f"{alpha:g}. Post-hoc: the Nemenyi test on all {f.k * (f.k - 1) // 2} pairs "
            f"(studentized range, which holds the family-wise error rate over the pairs at "
            f"alpha); its critical difference at alpha = {alpha:g} with k = {f.k} methods and "
            f"N = {f.n} tasks is CD = q_alpha sqrt(k(k+1)/(6N)) = {ranking.cd:.2f} ranks. A "
            f"thick bar joins methods whose Nemenyi p-value is at least {alpha:g}: they are not "
            f"significantly different (pairwise p-values: ranks_pvalues.csv).")
    if not rejects:
        text += (" As the Friedman test does not reject, the bars are drawn for completeness "
                 "only; no pairwise difference should be read from them.")
    return text


def _caveats(ranking: Ranking) -> str:
    f = ranking.friedman
    text = ("Ranks, not effect sizes: one rank apart may be a hundredth of a point of accuracy "
            "or several points (the accuracies are in ranks_by_task.csv). The tasks are not "
            "independent draws from a population of tasks: datasets of one benchmark share "
            "its search space and architectures, so the p-values describe these tasks, not "
            "search methods in general. The seeds enter only through each task's mean, so a "
            "rank says nothing about a method's spread over seeds.")
    if f.n <= _SMALL_N or f.k <= _SMALL_K:
        text += (f" With N = {f.n} tasks and k = {f.k} methods the chi-square approximation of "
                 f"the Friedman statistic is rough (Demsar 2006 asks for N > {_SMALL_N} and "
                 f"k > {_SMALL_K}); the Iman-Davenport F is the less conservative form.")
    return text


def _rank_rows(ranking: Ranking) -> list[list[str]]:
    seed_ranks = ranking.mean_seed_ranks.to_numpy()
    names = display_names([str(x) for x in ranking.mean_ranks.index])
    return [[names[str(label)], f"{rank:.2f}", f"{seed_rank:.2f}"]
            for (label, rank), seed_rank in zip(ranking.mean_ranks.items(), seed_ranks)]


def _task_rows(ranking: Ranking) -> list[list[str]]:
    order = list(ranking.mean_ranks.index)
    scores, ranks = ranking.scores.scores, ranking.ranks
    return [[task_name(task), f"{ranking.scores.seeds[task]}",
             *(f"{ranks.loc[task, label]:g} ({scores.loc[task, label]:.2f})" for label in order)]
            for task in ranking.block.tasks]


def caption_markdown(ranking: Ranking, files: Mapping[str, str],
                     studies: Sequence[str]) -> str:
    """The whole of ``ranks.md``.

    Args:
        ranking: the ranks and tests.
        files: role (``png``, ``pdf``, ``ranks``, ``tasks``, ``pvalues``, ``tests``) -> file
            name, linked from the page.
        studies: the study folders as they should be named on the page.
    """
    f, block = ranking.friedman, ranking.block
    seeds = ranking.scores.seeds
    seed_text = (f"{seeds.min()}" if seeds.min() == seeds.max()
                 else f"{seeds.min()} to {seeds.max()}")
    lines = [
        f"# Average ranks over {f.n} tasks", "",
        f"![Critical-difference diagram]({files['png']})", "",
        (f"**What it shows.** The average rank (1 = best) of {f.k} methods over {f.n} tasks, a "
         f"task being one (benchmark, dataset). On each task a method's score is its mean "
         f"final test accuracy over the {seed_text} paired seeds that every ranked method ran "
         f"there (run i of every method uses the same child seed of one master seed); the "
         f"methods are ranked on that one score per task and the ranks averaged over the "
         f"tasks. This is the unit of Demsar (2006) and of the Friedman test, whose blocks are "
         f"the tasks: seeds of one task are not independent tasks. The mean per-seed rank "
         f"(methods ranked on each seed, averaged over the seeds, then over the tasks) is "
         f"given beside it."),
        "",
        f"**Tests.** {_tests(ranking)}", "",
        f"**What it does not show.** {_caveats(ranking)}", "",
        "**Left out.** " + "\n".join(_left_out(ranking)), "",
        "## Ranks", "",
        *_grid(["Method", "Mean rank", "Mean per-seed rank"], _rank_rows(ranking)),
        "",
        "## Ranks per task", "",
        "Each method's rank on the task (its mean test accuracy over the paired seeds, %).", "",
        *_grid(["Task", "Paired seeds",
                *display_names([str(x) for x in ranking.mean_ranks.index]).values()],
               _task_rows(ranking)),
        "",
        "## Tasks", "",
        *_grid(["Task", "Setting"],
               [[task_name(t), _setting(ranking, t)] for t in block.tasks]),
        "",
        "Studies: " + ", ".join(f"`{s}`" for s in studies) + "." + _unfinished(ranking), "",
        f"Files: [{files['png']}]({files['png']}), [{files['pdf']}]({files['pdf']}), "
        f"[{files['ranks']}]({files['ranks']}) (ranks per method), "
        f"[{files['tasks']}]({files['tasks']}) (every task and method, with the accuracies), "
        f"[{files['pvalues']}]({files['pvalues']}) (pairwise Nemenyi p-values), "
        f"[{files['tests']}]({files['tests']}) (Friedman, Iman-Davenport, CD).",
    ]
    return "\n".join(lines) + "\n"


def _unfinished(ranking: Ranking) -> str:
    if not ranking.runs.unfinished:
        return ""
    return (" Not finished (their finished runs are ranked, on the seeds every method has): "
            + ", ".join(f"`{p}`" for p in ranking.runs.unfinished) + ".")


def _setting(ranking: Ranking, task: str) -> str:
    backend, _, dataset = task.partition(":")
    setting = ranking.runs.settings[(backend, dataset)]
    protocol = setting.get("protocol")
    parts = [f"protocol `{protocol.get('name')}`" if isinstance(protocol, Mapping) else
             "no protocol"]
    budget = setting.get("budget_s")
    query_cost = protocol.get("query_cost") if isinstance(protocol, Mapping) else None
    cap = setting.get("budget_queries")
    if budget is not None and isinstance(query_cost, (int, float)) and query_cost > 0:
        queries = budget / query_cost if cap is None else min(budget / query_cost, cap)
        parts.append(f"budget {queries:,.0f} queries")
    else:
        if budget is not None:
            parts.append(f"budget {budget:,.0f} simulated s")
        if cap is not None:
            parts.append(f"at most {cap} queries")
    parts.append(f"master seed {setting.get('master_seed')}")
    if setting.get("constraints"):
        parts.append("under " + " and ".join(f"`{c}`" for c in setting["constraints"]))
    return ", ".join(parts)
