"""Run history: a SQLAlchemy database (SQLite by default) of runs, lanes and tests.

- :class:`History` opens it and applies the Alembic migrations shipped here;
- :func:`import_run` / :func:`import_stream` load a run folder or a subunit stream;
- :func:`record_run` stores a finished run folder (what ``winci run`` calls);
- :func:`lane_findings` finds regressions and flaky tests over a lane's last runs,
  :func:`lane_trend` gives its counts and durations for a trend plot;
- :func:`compare` sets two runs (folders or history ids) side by side.
"""

from winci.history.analysis import (
    Findings,
    Regression,
    TrendPoint,
    analyse,
    lane_findings,
    lane_trend,
)
from winci.history.compare import Comparison, compare, format_text
from winci.history.db import URL_ENV, History, default_url
from winci.history.store import import_run, import_stream, record_run
from winci.history.views import Outcome, RunView, from_run_dir, lane_runs, load

__all__ = ["URL_ENV", "Comparison", "Findings", "History", "Outcome", "Regression", "RunView",
           "TrendPoint", "analyse", "compare", "default_url", "format_text", "from_run_dir",
           "import_run", "import_stream", "lane_findings", "lane_runs", "lane_trend", "load",
           "record_run"]
