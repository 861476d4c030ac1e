# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Documentation only: the module is csv_volume.ps1.

DOCUMENTATION = r"""
---
module: csv_volume
short_description: A volume on the S2D pool, as a Cluster Shared Volume
description:
  - Reads the virtual disk with C(Get-VirtualDisk) first. Creates it with C(New-Volume)
    (which formats it and adds it as a CSV for CSVFS file systems) only when missing, grows
    it with C(Resize-VirtualDisk) and C(Resize-Partition) when O(size_gb) is larger, never
    shrinks it, and fails when the resiliency differs (that cannot change in place).
  - With O(state=absent) removes the CSV, its cluster resource and the virtual disk.
  - Checked statically only (parse check and Pester tests with mocked cmdlets).
version_added: 0.1.0
author:
  - winci contributors
options:
  cluster:
    description: Cluster name (used as the CIM session target and for the CSV).
    type: str
    required: true
  name:
    description: Friendly name of the virtual disk and volume.
    type: str
    required: true
  pool:
    description: Friendly name (wildcards allowed) of the non-primordial pool.
    type: str
    default: S2D*
  size_gb:
    description: Size in GiB. Required with O(state=present).
    type: int
  file_system:
    description: File system; CSVFS_ReFS is the usual choice for Hyper-V and SoFS.
    type: str
    default: CSVFS_ReFS
    choices: [CSVFS_ReFS, CSVFS_NTFS]
  resiliency:
    description: Resiliency setting name.
    type: str
    default: Mirror
    choices: [Mirror, Parity, Simple]
  state:
    description: Whether the volume exists.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Volume for the Glance share
  winci.hyperv.csv_volume:
    cluster: hvclu01
    name: glance
    size_gb: 512
"""

RETURN = r"""
found:
  description: State read before any change (exists, size, resiliency, csv_path).
  returned: always
  type: dict
volume:
  description: The volume after the run (null with O(state=absent)).
  returned: always
  type: dict
  contains:
    friendly_name:
      description: Volume name.
      type: str
    size:
      description: Size in bytes.
      type: int
    resiliency:
      description: Resiliency setting.
      type: str
    file_system:
      description: File system.
      type: str
    csv_path:
      description: Path under C:\ClusterStorage (null in check mode for a new volume).
      type: str
"""
