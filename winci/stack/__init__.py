"""The services a lane runs against: a database, Keystone and Glance."""
