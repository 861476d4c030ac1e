#!powershell

# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Failover cluster: create it or add missing nodes, and set the quorum witness.
# The logic is Invoke-WinciCluster in module_utils/WinciHyperV.psm1 (tested with Pester there).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winci.hyperv.plugins.module_utils.WinciHyperV

$spec = @{
    options = @{
        name = @{ type = 'str'; required = $true }
        nodes = @{ type = 'list'; elements = 'str'; required = $true }
        static_address = @{ type = 'list'; elements = 'str' }
        ignore_network = @{ type = 'list'; elements = 'str' }
        no_storage = @{ type = 'bool'; default = $true }
        witness_type = @{ type = 'str'; choices = @('none', 'file_share', 'cloud') }
        file_share_witness = @{ type = 'str' }
        cloud_witness_account = @{ type = 'str' }
        cloud_witness_access_key = @{ type = 'str'; no_log = $true }
        cloud_witness_endpoint = @{ type = 'str' }
    }
    required_if = @(
        , @('witness_type', 'file_share', @('file_share_witness'))
        , @('witness_type', 'cloud', @('cloud_witness_account', 'cloud_witness_access_key'))
    )
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
Invoke-WinciCluster -Module $module
$module.ExitJson()
