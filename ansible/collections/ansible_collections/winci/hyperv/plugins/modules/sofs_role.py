# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Documentation only: the module is sofs_role.ps1.

DOCUMENTATION = r"""
---
module: sofs_role
short_description: The Scale-Out File Server role of a failover cluster
description:
  - Reads the role with C(Get-ClusterGroup) first; adds it with
    C(Add-ClusterScaleOutFileServerRole) only when missing and fails when a cluster group of
    another type has the name. With O(state=absent) removes it with C(Remove-ClusterGroup).
  - C(Add-ClusterScaleOutFileServerRole) contacts every node, which a plain WinRM logon
    cannot do (the double hop). Run the task with C(become) (method runas, a domain account
    allowed to manage the cluster) or over CredSSP. See docs/operator-guide-hosts.md.
  - Checked statically only (parse check and Pester tests with mocked cmdlets).
version_added: 0.1.0
author:
  - winci contributors
options:
  cluster:
    description: Cluster name.
    type: str
    required: true
  name:
    description: Name of the SoFS role (also its client access point and share scope).
    type: str
    required: true
  state:
    description: Whether the role exists.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: SoFS role (second hop through become)
  winci.hyperv.sofs_role:
    cluster: hvclu01
    name: sofs01
  become: true
  become_method: ansible.builtin.runas
  become_user: EXAMPLE\winci-admin
"""

RETURN = r"""
found:
  description: State read before any change (exists, group_type, state, owner_node).
  returned: always
  type: dict
role:
  description: The role after the run.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether the role exists.
      type: bool
    group_type:
      description: ScaleoutFileServer.
      type: str
    state:
      description: Cluster group state (Online, ...).
      type: str
    owner_node:
      description: Node that owns the group.
      type: str
"""
