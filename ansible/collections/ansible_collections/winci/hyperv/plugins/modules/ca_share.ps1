#!powershell

# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# A continuously available SMB share (on a SoFS scope) and its share permissions.
# The logic is Invoke-WinciCaShare in module_utils/WinciHyperV.psm1 (tested with Pester there).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winci.hyperv.plugins.module_utils.WinciHyperV

$spec = @{
    options = @{
        name = @{ type = 'str'; required = $true }
        path = @{ type = 'str' }
        scope_name = @{ type = 'str'; required = $true }
        continuously_available = @{ type = 'bool'; default = $true }
        encrypt_data = @{ type = 'bool'; default = $true }
        caching_mode = @{ type = 'str'; default = 'None'; choices = @('None', 'Manual', 'Documents', 'Programs', 'BranchCache') }
        folder_enumeration_mode = @{ type = 'str'; choices = @('AccessBased', 'Unrestricted') }
        description = @{ type = 'str' }
        full_access = @{ type = 'list'; elements = 'str'; default = @() }
        change_access = @{ type = 'list'; elements = 'str'; default = @() }
        read_access = @{ type = 'list'; elements = 'str'; default = @() }
        purge_access = @{ type = 'bool'; default = $false }
        state = @{ type = 'str'; default = 'present'; choices = @('present', 'absent') }
    }
    required_if = @(, @('state', 'present', @('path')))
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
Invoke-WinciCaShare -Module $module
$module.ExitJson()
