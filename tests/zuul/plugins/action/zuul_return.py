"""``zuul_return`` for running winci's job playbooks outside Zuul (tests/zuul).

Zuul's executor puts its own action plugin directory on Ansible's ``action_plugins``
path; ``zuul_return`` is one of those plugins and writes ``{"data", "secret_data"}`` to
``$ZUUL_JOBDIR/work/results.json`` (that is ``zuul.executor.work_root``/results.json),
merging what earlier calls returned and validating ``zuul.artifacts`` and
``zuul.warnings`` against Zuul's schema. Outside Zuul the plugin is absent, so this file
puts exactly that plugin, imported from the Zuul package of the tool environment
(requirements/tools-zuul.txt), on the path given by ANSIBLE_ACTION_PLUGINS. Only Zuul's
other plugins (the ``command`` wrapper for live log streaming) stay out.
"""

from zuul.ansible.base.action.zuul_return import ActionModule

__all__ = ["ActionModule"]
