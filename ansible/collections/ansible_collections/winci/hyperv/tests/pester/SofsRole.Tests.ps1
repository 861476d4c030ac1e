# Pester 5 tests of Invoke-WinciSofsRole (module winci.hyperv.sofs_role), cmdlets mocked.
# For a Windows runner; not run by winci's Linux checks (see TestHelpers.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Defaults = @{ cluster = 'hvclu01'; name = 'sofs01'; state = 'present' }
}

Describe 'Invoke-WinciSofsRole' {
    BeforeEach {
        Mock -ModuleName WinciHyperV Add-ClusterScaleOutFileServerRole { $null }
        Mock -ModuleName WinciHyperV Remove-ClusterGroup { $null }
    }
    It 'adds the role when it is missing' {
        Mock -ModuleName WinciHyperV Get-ClusterGroup { $null }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciSofsRole -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV Add-ClusterScaleOutFileServerRole -Times 1 -Exactly -ParameterFilter {
            $Cluster -eq 'hvclu01' -and $Name -eq 'sofs01'
        }
    }
    It 'adds nothing in check mode' {
        Mock -ModuleName WinciHyperV Get-ClusterGroup { $null }
        $module = New-FakeModule -Defaults $Defaults -CheckMode
        Invoke-WinciSofsRole -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV Add-ClusterScaleOutFileServerRole -Times 0 -Exactly
    }
    It 'reports no change when the role exists (second run)' {
        Mock -ModuleName WinciHyperV Get-ClusterGroup {
            [PSCustomObject]@{ Name = 'sofs01'; GroupType = 'ScaleoutFileServer'; State = 'Online'; OwnerNode = 'hv01' }
        }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciSofsRole -Module $module
        $module.Result.changed | Should -BeFalse
        $module.Result.role.owner_node | Should -Be 'hv01'
        Should -Invoke -ModuleName WinciHyperV Add-ClusterScaleOutFileServerRole -Times 0 -Exactly
    }
    It 'fails when a group of another type has the name' {
        Mock -ModuleName WinciHyperV Get-ClusterGroup {
            [PSCustomObject]@{ Name = 'sofs01'; GroupType = 'FileServer'; State = 'Online'; OwnerNode = 'hv01' }
        }
        $module = New-FakeModule -Defaults $Defaults
        { Invoke-WinciSofsRole -Module $module } | Should -Throw '*not a Scale-Out File Server*'
    }
    It 'removes it with state=absent' {
        Mock -ModuleName WinciHyperV Get-ClusterGroup {
            [PSCustomObject]@{ Name = 'sofs01'; GroupType = 'ScaleoutFileServer'; State = 'Online'; OwnerNode = 'hv01' }
        }
        $module = New-FakeModule -Defaults $Defaults -Params @{ state = 'absent' }
        Invoke-WinciSofsRole -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV Remove-ClusterGroup -Times 1 -Exactly
    }
}
