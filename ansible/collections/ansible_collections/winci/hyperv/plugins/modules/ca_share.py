# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Documentation only: the module is ca_share.ps1.

DOCUMENTATION = r"""
---
module: ca_share
short_description: A continuously available SMB share and its share permissions
description:
  - Reads the share with C(Get-SmbShare) and C(Get-SmbShareAccess) first. Creates it with
    C(New-SmbShare -ContinuouslyAvailable) when missing, changes only the properties that
    differ with C(Set-SmbShare), grants missing or different rights with
    C(Grant-SmbShareAccess) and, with O(purge_access), revokes the others.
  - ansible.windows.win_share has no continuous-availability or scope option, hence this
    module. NTFS permissions of O(path) are not touched (use ansible.windows.win_acl).
  - Fails when the share exists with another path (remove it first to move it).
  - Checked statically only (parse check and Pester tests with mocked cmdlets).
version_added: 0.1.0
author:
  - winci contributors
options:
  name:
    description: Share name.
    type: str
    required: true
  path:
    description: Folder on a CSV (C:\ClusterStorage\...). Required with O(state=present).
    type: str
  scope_name:
    description: Scope of the share, the SoFS role name.
    type: str
    required: true
  continuously_available:
    description: Transparent failover (SMB 3 persistent handles).
    type: bool
    default: true
  encrypt_data:
    description: Require SMB encryption on the share.
    type: bool
    default: true
  caching_mode:
    description: Offline files caching; None for SoFS application data.
    type: str
    default: None
    choices: [None, Manual, Documents, Programs, BranchCache]
  folder_enumeration_mode:
    description: Access-based enumeration; not changed when omitted.
    type: str
    choices: [AccessBased, Unrestricted]
  description:
    description: Share description; not changed when omitted.
    type: str
  full_access:
    description: Accounts with Full share permission.
    type: list
    elements: str
    default: []
  change_access:
    description: Accounts with Change share permission.
    type: list
    elements: str
    default: []
  read_access:
    description: Accounts with Read share permission.
    type: list
    elements: str
    default: []
  purge_access:
    description: Revoke share permissions of accounts not listed.
    type: bool
    default: false
  state:
    description: Whether the share exists.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Supports check mode and diff mode.
  - Give accounts as C(Get-SmbShareAccess) shows them (C(DOMAIN\name), C(BUILTIN\Administrators));
    names are compared case-insensitively, but another form of the same account (a UPN, a
    SID) counts as a different account.
"""

EXAMPLES = r"""
- name: Glance image share on the SoFS
  winci.hyperv.ca_share:
    name: glance
    path: C:\ClusterStorage\glance\Shares\glance
    scope_name: sofs01
    full_access: [EXAMPLE\glance-svc$, EXAMPLE\Domain Admins]
    change_access: [EXAMPLE\winci-containers]
    purge_access: true
"""

RETURN = r"""
found:
  description: State read before any change.
  returned: always
  type: dict
share:
  description: The share after the run (null with O(state=absent)).
  returned: always
  type: dict
  contains:
    path:
      description: Folder shared.
      type: str
    continuously_available:
      description: Continuous availability.
      type: bool
    encrypt_data:
      description: SMB encryption required.
      type: bool
    caching_mode:
      description: Caching mode.
      type: str
    access:
      description: Share permissions as C(account:right).
      type: list
      elements: str
"""
