"""Charts: the digest's three pictures for a 1,000-project portfolio.

The portfolio of bench/digest_bench.py (1,000 active projects, a year of weekly updates each,
ten risks each, a baselined plan with ten milestones each): loading the charts' numbers
(services.charts.portfolio_charts, what the planner does when it plans the digest) on SQLite and
PostgreSQL, then drawing each chart (what the dispatcher does before uploading) in English and
Chinese: median time of five and the PNG's size. Targets (issue 14): a chart under 300 ms and
200 KB; the digest's three under 1.5 s of rendering, off the request path. On each database it
also runs `pmo-bot report --month 2026-11` in its own process (target: under 10 s and 400 MB).

    .venv/bin/python -m bench.charts_bench
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import report_bench
from bench.common import DATABASES, context, counting_queries, median_ms
from bench.digest_bench import NOW, RULES, seed
from services import charts
from templates.render import Renderer

PROJECTS = 1_000
CHART_MS, CHART_KB, DIGEST_MS = 300, 200, 1_500


def main() -> None:
    found = None
    print(f"Charts: loading the numbers for {PROJECTS:,} projects")
    for name, database in DATABASES:
        with database() as url:
            if url is None:
                continue
            ctx = context(url, RULES, NOW)
            seed(ctx, PROJECTS)

            def load(ctx=ctx):
                with ctx.db.read() as session:
                    return charts.portfolio_charts(ctx, session, NOW)

            with counting_queries(ctx) as statements:
                found = load()
            print(f"  {name}: {median_ms(load, repeat=5):7.1f} ms, {len(statements)} SQL "
                  f"statements, {len(found)} charts")
            ctx.close()
            report(name, url)
    assert found is not None
    charts.render_png(Renderer("en", RULES.pmo.tz), found[0])  # matplotlib's first import
    print("Drawing (median of 5; the first draw of a process also loads the font, below)")
    for locale in ("en", "zh"):
        renderer = Renderer(locale, RULES.pmo.tz)
        total = 0.0
        for chart in found:
            data = charts.render_png(renderer, chart)
            took = median_ms(lambda c=chart, r=renderer: charts.render_png(r, c), repeat=5)
            total += took
            verdict = "ok" if took < CHART_MS and len(data) < CHART_KB * 1000 else "OVER"
            print(f"  {locale} {chart['chart']:<10} {took:6.1f} ms  {len(data) / 1000:6.1f} KB"
                  f"  {verdict}")
        print(f"  {locale} the digest's {len(found)} charts: {total:6.1f} ms "
              f"({'ok' if total < DIGEST_MS else 'OVER'} against {DIGEST_MS} ms)")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from bench.charts_bench import first; first()"],
                   check=True)
    took = 1000 * (time.perf_counter() - started)
    print(f"  a fresh process: start-up, imports, font and a first chart {took:.0f} ms")


def report(name: str, url: str) -> None:
    """`pmo-bot report --month 2026-11` on this database, in its own process, as
    bench/report_bench.py runs it: wall time and peak RSS (issue 14: under 10 s and 400 MB for
    1,000 projects)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.pdf"
        took, rss = report_bench.run(url, "pdf", out)
        print(f"  {name}: pmo-bot report --month 2026-11: {took:5.2f} s, peak RSS "
              f"{rss:5.0f} MB, {out.stat().st_size / 1000:5.0f} KB PDF")


def first() -> None:
    from pmo_rules.charts import risk_heat
    from pmo_rules.config.risk import RiskLevels
    charts.render_png(Renderer("zh", RULES.pmo.tz), risk_heat({(3, 4): 2}, 5, RiskLevels()))


if __name__ == "__main__":
    main()
