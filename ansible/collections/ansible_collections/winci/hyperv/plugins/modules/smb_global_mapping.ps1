#!powershell

# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# An SMB global mapping (host-wide drive for containers), RequirePrivacy on by default.
# The logic is Invoke-WinciSmbGlobalMapping in module_utils/WinciHyperV.psm1 (tested with Pester there).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winci.hyperv.plugins.module_utils.WinciHyperV

$spec = @{
    options = @{
        remote_path = @{ type = 'str'; required = $true }
        local_path = @{ type = 'str' }
        username = @{ type = 'str' }
        password = @{ type = 'str'; no_log = $true }
        require_privacy = @{ type = 'bool'; default = $true }
        update_password = @{ type = 'str'; default = 'on_create'; choices = @('always', 'on_create') }
        state = @{ type = 'str'; default = 'present'; choices = @('present', 'absent') }
    }
    required_if = @(, @('state', 'present', @('local_path', 'username', 'password')))
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
Invoke-WinciSmbGlobalMapping -Module $module
$module.ExitJson()
