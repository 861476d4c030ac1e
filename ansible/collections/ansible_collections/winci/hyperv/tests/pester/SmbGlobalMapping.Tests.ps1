# Pester 5 tests of Invoke-WinciSmbGlobalMapping (module winci.hyperv.smb_global_mapping),
# cmdlets mocked. For a Windows runner; not run by winci's Linux checks (see TestHelpers.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Defaults = @{
        remote_path = '\\sofs01.example.test\glance'; local_path = 'G:'; username = 'EXAMPLE\winci-containers'
        password = 'example-only'; require_privacy = $true; update_password = 'on_create'; state = 'present'
    }
    function New-Mapping([bool] $Privacy = $true, [string] $Local = 'G:') {
        [PSCustomObject]@{
            RemotePath = '\\sofs01.example.test\glance'; LocalPath = $Local; Status = 'OK'; RequirePrivacy = $Privacy
        }
    }
}

Describe 'Invoke-WinciSmbGlobalMapping' {
    BeforeEach {
        Mock -ModuleName WinciHyperV New-SmbGlobalMapping { $null }
        Mock -ModuleName WinciHyperV Remove-SmbGlobalMapping { $null }
    }
    It 'creates the mapping with RequirePrivacy when it is missing' {
        Mock -ModuleName WinciHyperV Get-SmbGlobalMapping { $null }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciSmbGlobalMapping -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV New-SmbGlobalMapping -Times 1 -Exactly -ParameterFilter {
            $RequirePrivacy -eq $true -and $LocalPath -eq 'G:' -and $Credential.UserName -eq 'EXAMPLE\winci-containers'
        }
        Should -Invoke -ModuleName WinciHyperV Remove-SmbGlobalMapping -Times 0 -Exactly
    }
    It 'creates nothing in check mode' {
        Mock -ModuleName WinciHyperV Get-SmbGlobalMapping { $null }
        $module = New-FakeModule -Defaults $Defaults -CheckMode
        Invoke-WinciSmbGlobalMapping -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV New-SmbGlobalMapping -Times 0 -Exactly
    }
    It 'reports no change when the mapping matches (second run)' {
        Mock -ModuleName WinciHyperV Get-SmbGlobalMapping { New-Mapping -Local 'g:' }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciSmbGlobalMapping -Module $module
        $module.Result.changed | Should -BeFalse
        $module.Result.found.status | Should -Be 'OK'
        Should -Invoke -ModuleName WinciHyperV New-SmbGlobalMapping -Times 0 -Exactly
    }
    It 're-creates a mapping made without RequirePrivacy' {
        Mock -ModuleName WinciHyperV Get-SmbGlobalMapping { New-Mapping -Privacy $false }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciSmbGlobalMapping -Module $module
        $module.Result.changed | Should -BeTrue
        $module.Result.reasons | Should -Contain 'require_privacy False'
        Should -Invoke -ModuleName WinciHyperV Remove-SmbGlobalMapping -Times 1 -Exactly
        Should -Invoke -ModuleName WinciHyperV New-SmbGlobalMapping -Times 1 -Exactly
    }
    It 'removes it with state=absent' {
        Mock -ModuleName WinciHyperV Get-SmbGlobalMapping { New-Mapping }
        $module = New-FakeModule -Defaults $Defaults -Params @{ state = 'absent' }
        Invoke-WinciSmbGlobalMapping -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV Remove-SmbGlobalMapping -Times 1 -Exactly
    }
}
