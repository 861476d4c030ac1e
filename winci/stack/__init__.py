"""The parts of a run's stack that backends compose: a private MariaDB server, Keystone
and Glance as processes, the launcher that serves them, the settings and templates, and
the image web server."""
