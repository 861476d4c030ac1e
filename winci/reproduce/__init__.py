"""Re-run a CI build's failed tests here, several times: a real failure or a flaky one?

A build is read from its logs as Zuul publishes them (``SOURCE`` is the log URL or a
downloaded copy of that folder)::

    <log root>/zuul-info/inventory.yaml     Zuul's inventory: vars.zuul (change, patchset,
                                            ref, project, job, pipeline, build)
    <log root>/winci-run/manifest.json      the run folder, where the winci-fetch-results
    <log root>/winci-run/verdict.json       role unpacks it (jobs/roles/winci-fetch-results)
    <log root>/winci-run/<lane>/summary.json
    <log root>/winci-run/<lane>/results.subunit

``SOURCE`` may also be the run folder itself (``manifest.json`` at its top); the
inventory is then looked for in ``../zuul-info/``. From a URL only the files above are
downloaded (the streams only for the lanes being reproduced), into ``<out>/build/``
with the same layout, so that copy can be given again later, offline.

The failed tests are the lane's unexpected failures: ``summary.json``'s ``failures``,
or, without a summary, the failing tests of the subunit stream. Each lane is then run
``repeat`` times through :func:`winci.runs.execute` with a filter matching exactly
those ids, no isolated retry and no history record, against the same Glance source,
with the patch queue as the build had it.

One module per step:

- :mod:`~winci.reproduce.build`: read a build's logs (Zuul's inventory, the run folder)
  and which tests failed;
- :mod:`~winci.reproduce.download`: find the logs, downloading them from a log URL;
- :mod:`~winci.reproduce.plan`: the Glance source, patch queue and database to use here;
- :mod:`~winci.reproduce.rerun`: re-run the failed tests ``repeat`` times;
- :mod:`~winci.reproduce.classify`: real failure, flaky or passing here, and the exit code;
- :mod:`~winci.reproduce.output`: ``reproduce.json`` and the table.
"""

from winci.reproduce.classify import FLAKY, NOT_RUN, PASSES, REAL, ReproduceResult
from winci.reproduce.output import format_table, write_json
from winci.reproduce.rerun import ReproduceOptions, reproduce

__all__ = ["FLAKY", "NOT_RUN", "PASSES", "REAL", "ReproduceOptions", "ReproduceResult",
           "format_table", "reproduce", "write_json"]
