"""The executive report for a 1,000-project portfolio: `pmo-bot report --month 2026-11` in its
own process, as an operator runs it, in each format (pdf, html, xlsx), on SQLite and PostgreSQL:
wall time (start-up, imports, loading, the charts, the effectiveness page's reads, writing) and
peak RSS. Target (issue 14): under 10 s and 400 MB.

The portfolio is bench/digest_bench.py's (1,000 active projects, a year of weekly updates each,
ten risks each, a baselined plan with ten milestones each).

With `--png FILE` it also renders one page of the SQLite run's PDF to FILE (the README's
picture, docs/report-page.png), with poppler's `pdftoppm` (`apt-get install poppler-utils`);
`--page N` picks the page (default 1, the cover).

    .venv/bin/python -m bench.report_bench [--png docs/report-page.png] [--page 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import DATABASES, context
from bench.digest_bench import NOW, RULES, seed

PROJECTS = 1_000
TARGET_S, TARGET_MB = 10, 400


def run(url: str, form: str, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `pmo-bot report` in its own process."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("PMO_RULES", None)
    started = time.perf_counter()
    child = subprocess.Popen([str(Path(sys.executable).with_name("pmo-bot")), "report",
                              "--month", "2026-11", "--format", form, "--out", str(out)],
                             env=env, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - started
    assert status == 0, status
    return took, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--png", type=Path)
    parser.add_argument("--page", type=int, default=1)
    args = parser.parse_args()
    print(f"pmo-bot report --month 2026-11 for {PROJECTS:,} projects "
          f"(target: {TARGET_S} s, {TARGET_MB} MB)")
    for name, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, RULES, NOW)
            seed(ctx, PROJECTS)
            ctx.close()
            with tempfile.TemporaryDirectory() as folder:
                for form in ("pdf", "html", "xlsx"):
                    out = Path(folder) / f"report.{form}"
                    took, rss = run(url, form, out)
                    verdict = "ok" if took < TARGET_S and rss < TARGET_MB else "OVER"
                    print(f"  {name:<10} {form:<4} {took:5.2f} s  peak RSS {rss:4.0f} MB  "
                          f"{out.stat().st_size / 1000:6.0f} KB  {verdict}")
                if args.png and name == DATABASES[0][0]:
                    page(Path(folder) / "report.pdf", args.page, args.png)


def page(pdf: Path, number: int, target: Path) -> None:
    """Page `number` of `pdf` as a PNG at 110 dpi (about 1,290 x 910 pixels)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        sys.exit("pdftoppm not found: apt-get install poppler-utils")
    stem = target.with_suffix("")
    subprocess.run([tool, "-png", "-r", "110", "-f", str(number), "-l", str(number),
                    "-singlefile", str(pdf), str(stem)], check=True)
    print(f"  page {number} of the SQLite run's PDF written to {target}")


if __name__ == "__main__":
    main()
