#!powershell

# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Storage Spaces Direct: enable it on a cluster (which creates the pool).
# The logic is Invoke-WinciS2D in module_utils/WinciHyperV.psm1 (tested with Pester there).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winci.hyperv.plugins.module_utils.WinciHyperV

$spec = @{
    options = @{
        cluster = @{ type = 'str'; required = $true }
        pool_friendly_name = @{ type = 'str'; default = 'S2D Pool' }
        autoconfig = @{ type = 'bool'; default = $true }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
Invoke-WinciS2D -Module $module
$module.ExitJson()
