#!powershell

# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# The Scale-Out File Server role of a cluster (needs the WinRM second hop: become or CredSSP).
# The logic is Invoke-WinciSofsRole in module_utils/WinciHyperV.psm1 (tested with Pester there).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winci.hyperv.plugins.module_utils.WinciHyperV

$spec = @{
    options = @{
        cluster = @{ type = 'str'; required = $true }
        name = @{ type = 'str'; required = $true }
        state = @{ type = 'str'; default = 'present'; choices = @('present', 'absent') }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
Invoke-WinciSofsRole -Module $module
$module.ExitJson()
