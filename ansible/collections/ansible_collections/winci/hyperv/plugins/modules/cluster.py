# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Documentation only: the module is cluster.ps1.

DOCUMENTATION = r"""
---
module: cluster
short_description: Create a failover cluster, add missing nodes and set its quorum witness
description:
  - Reads the cluster with C(Get-Cluster) and C(Get-ClusterNode) first. Creates it with
    C(New-Cluster) only when it does not exist, adds only the nodes that are missing with
    C(Add-ClusterNode), and never evicts nodes (it warns about nodes not listed).
  - When O(witness_type) is set, reads the witness with C(Get-ClusterQuorum) and calls
    C(Set-ClusterQuorum) only when it differs.
  - Run it on one node of the cluster-to-be. Checked statically only (parse check and Pester
    tests with mocked cmdlets); not yet run against a real cluster.
version_added: 0.1.0
author:
  - winci contributors
options:
  name:
    description: Cluster name (the cluster name object created in AD).
    type: str
    required: true
  nodes:
    description: Node names; compared case-insensitively on the short name.
    type: list
    elements: str
    required: true
  static_address:
    description: Static IP addresses of the cluster name (C(New-Cluster -StaticAddress)).
    type: list
    elements: str
  ignore_network:
    description: Networks the cluster must not use for its address (C(-IgnoreNetwork)).
    type: list
    elements: str
  no_storage:
    description: Do not add eligible disks to the cluster (S2D claims them later).
    type: bool
    default: true
  witness_type:
    description: Quorum witness to configure; not changed when omitted.
    type: str
    choices: [none, file_share, cloud]
  file_share_witness:
    description: UNC path of the file share witness, for O(witness_type=file_share).
    type: str
  cloud_witness_account:
    description: Azure storage account name, for O(witness_type=cloud).
    type: str
  cloud_witness_access_key:
    description: Azure storage account access key, for O(witness_type=cloud).
    type: str
  cloud_witness_endpoint:
    description: Azure service endpoint, for sovereign clouds.
    type: str
notes:
  - Supports check mode and diff mode.
  - Creating a cluster from a WinRM session works with the node's own credentials when the
    account may create the cluster computer object in AD.
"""

EXAMPLES = r"""
- name: Create the cluster
  winci.hyperv.cluster:
    name: hvclu01
    nodes: [hv01, hv02, hv03]
    static_address: [192.0.2.50]
    witness_type: file_share
    file_share_witness: \\fs01.example.test\witness$\hvclu01
"""

RETURN = r"""
created:
  description: Whether the cluster was created by this run.
  returned: always
  type: bool
cluster:
  description: The cluster as found and as it is now.
  returned: always
  type: dict
  contains:
    name:
      description: Cluster name.
      type: str
    nodes:
      description: Short node names, lower case.
      type: list
      elements: str
    found:
      description: State read before any change (exists, nodes, quorum).
      type: dict
    quorum:
      description: Witness type, file share path and cloud account.
      type: dict
"""
