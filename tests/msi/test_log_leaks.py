"""The integration test's check of a whole MSI log: a line holding a secret passes only
inside a record Windows Installer masks (a hidden property, its value's further lines,
the command line), as Wine 8's msiexec writes them."""

from __future__ import annotations

from tests.platforms.test_wine_msi import log_leaks

SECRETS = ["s3cret-pw", "mysql+pymysql://glance:dbpw@db/glance", "dbpw"]
HIDDEN = {"DATABASE_URL", "GLANCE_PASSWORD", "GlanceInstall", "CustomActionData"}
LOG = """=== Logging started: 12/6/2026  7:29:19 ===
Action start 7:29:23: GlanceInstall.
glance: image store: \\\\sofs\\glance\\images
Property(S): GlanceInstall = INSTALLDIR=C:\\Program Files\\OpenStack\\Glance\\
DATABASE_URL=mysql+pymysql://glance:dbpw@db/glance
GLANCE_PASSWORD=s3cret-pw
SCRUBBER=1
Property(S): DATABASE_URL = mysql+pymysql://glance:dbpw@db/glance
Property(S): CustomActionData = INSTALLDIR=C:\\Glance\\
GLANCE_PASSWORD=s3cret-pw
Property(S): WORKERS = 2
"""


def test_secrets_only_in_masked_records_pass() -> None:
    assert log_leaks(LOG, SECRETS, HIDDEN) == (4, [])


def test_a_secret_anywhere_else_is_a_leak() -> None:
    log = LOG + "glance: connecting with s3cret-pw\nGLANCE_PASSWORD=s3cret-pw\n"
    assert log_leaks(log, SECRETS, HIDDEN)[1] == [
        "glance: connecting with s3cret-pw", "GLANCE_PASSWORD=s3cret-pw"]


def test_without_hide_target_the_action_data_is_a_leak() -> None:
    assert log_leaks(LOG, SECRETS, HIDDEN - {"CustomActionData"})[1] == [
        "GLANCE_PASSWORD=s3cret-pw"]
