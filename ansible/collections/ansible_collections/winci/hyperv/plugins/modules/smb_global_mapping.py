# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Documentation only: the module is smb_global_mapping.ps1.

DOCUMENTATION = r"""
---
module: smb_global_mapping
short_description: An SMB global mapping for containers, with RequirePrivacy
description:
  - Reads the mapping with C(Get-SmbGlobalMapping) first. Creates it with
    C(New-SmbGlobalMapping -RequirePrivacy) when missing and re-creates it only when the
    local path or RequirePrivacy differ (or O(update_password=always)).
  - Containers reach a SoFS share through a global mapping on the host and a bind mount of
    the mapped drive; without RequirePrivacy container start fails with "Access is denied".
  - The password cannot be read back, so a changed password is applied only with
    O(update_password=always).
  - Checked statically only (parse check and Pester tests with mocked cmdlets).
version_added: 0.1.0
author:
  - winci contributors
options:
  remote_path:
    description: UNC path of the share.
    type: str
    required: true
  local_path:
    description: Drive letter, e.g. C(G:). Required with O(state=present).
    type: str
  username:
    description: Account that opens the SMB session. Required with O(state=present).
    type: str
  password:
    description: Its password. Required with O(state=present).
    type: str
  require_privacy:
    description: Require SMB encryption for the mapping.
    type: bool
    default: true
  update_password:
    description: C(always) re-creates the mapping on every run (reports a change).
    type: str
    default: on_create
    choices: [always, on_create]
  state:
    description: Whether the mapping exists.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Map the Glance share for containers
  winci.hyperv.smb_global_mapping:
    remote_path: \\sofs01.example.test\glance
    local_path: "G:"
    username: EXAMPLE\winci-containers
    password: "{{ vault_container_share_password }}"
"""

RETURN = r"""
found:
  description: State read before any change.
  returned: always
  type: dict
reasons:
  description: Why the mapping was (re-)created; empty when nothing changed.
  returned: when state is present
  type: list
  elements: str
mapping:
  description: The mapping after the run (null with O(state=absent)).
  returned: always
  type: dict
  contains:
    remote_path:
      description: UNC path.
      type: str
    local_path:
      description: Drive letter.
      type: str
    status:
      description: Status as found (OK, Disconnected...), null when re-created.
      type: str
    require_privacy:
      description: RequirePrivacy of the mapping.
      type: bool
"""
