#!powershell

# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# A mirrored (or parity) volume on the S2D pool, as a Cluster Shared Volume.
# The logic is Invoke-WinciCsvVolume in module_utils/WinciHyperV.psm1 (tested with Pester there).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winci.hyperv.plugins.module_utils.WinciHyperV

$spec = @{
    options = @{
        cluster = @{ type = 'str'; required = $true }
        name = @{ type = 'str'; required = $true }
        pool = @{ type = 'str'; default = 'S2D*' }
        size_gb = @{ type = 'int' }
        file_system = @{ type = 'str'; default = 'CSVFS_ReFS'; choices = @('CSVFS_ReFS', 'CSVFS_NTFS') }
        resiliency = @{ type = 'str'; default = 'Mirror'; choices = @('Mirror', 'Parity', 'Simple') }
        state = @{ type = 'str'; default = 'present'; choices = @('present', 'absent') }
    }
    required_if = @(, @('state', 'present', @('size_gb')))
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
Invoke-WinciCsvVolume -Module $module
$module.ExitJson()
