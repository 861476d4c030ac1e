# Pester 5 tests of Invoke-WinciCaShare (module winci.hyperv.ca_share), cmdlets mocked.
# For a Windows runner; not run by winci's Linux checks (see TestHelpers.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Defaults = @{
        name = 'glance'; path = 'C:\ClusterStorage\glance\Shares\glance'; scope_name = 'sofs01'
        continuously_available = $true; encrypt_data = $true; caching_mode = 'None'
        folder_enumeration_mode = $null; description = $null
        full_access = @('EXAMPLE\glance-svc$'); change_access = @('EXAMPLE\winci-containers'); read_access = @()
        purge_access = $true; state = 'present'
    }
    function New-Share([bool] $Ca = $true) {
        [PSCustomObject]@{
            Name = 'glance'; Path = 'C:\ClusterStorage\glance\Shares\glance'; ContinuouslyAvailable = $Ca
            EncryptData = $true; CachingMode = 'None'; FolderEnumerationMode = 'Unrestricted'; Description = ''
        }
    }
    function New-Ace([string] $Account, [string] $Right) {
        [PSCustomObject]@{ AccountName = $Account; AccessRight = $Right; AccessControlType = 'Allow' }
    }
}

Describe 'Invoke-WinciCaShare' {
    BeforeEach {
        Mock -ModuleName WinciHyperV New-SmbShare { $null }
        Mock -ModuleName WinciHyperV Set-SmbShare { $null }
        Mock -ModuleName WinciHyperV Grant-SmbShareAccess { $null }
        Mock -ModuleName WinciHyperV Revoke-SmbShareAccess { $null }
    }
    Context 'the share does not exist' {
        BeforeEach {
            Mock -ModuleName WinciHyperV Get-SmbShare { $null }
            Mock -ModuleName WinciHyperV Get-SmbShareAccess { @(New-Ace 'EXAMPLE\glance-svc$' 'Full') }
        }
        It 'creates it continuously available on the SoFS scope, then grants the other rights' {
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCaShare -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV New-SmbShare -Times 1 -Exactly -ParameterFilter {
                $ScopeName -eq 'sofs01' -and $ContinuouslyAvailable -eq $true -and $CachingMode -eq 'None' -and
                $FullAccess -contains 'EXAMPLE\glance-svc$'
            }
            Should -Invoke -ModuleName WinciHyperV Grant-SmbShareAccess -Times 1 -Exactly -ParameterFilter {
                $AccountName -eq 'EXAMPLE\winci-containers' -and $AccessRight -eq 'Change'
            }
        }
        It 'creates nothing in check mode' {
            $module = New-FakeModule -Defaults $Defaults -CheckMode
            Invoke-WinciCaShare -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV New-SmbShare -Times 0 -Exactly
            Should -Invoke -ModuleName WinciHyperV Grant-SmbShareAccess -Times 0 -Exactly
        }
    }
    Context 'the share exists' {
        It 'reports no change when properties and access match (second run)' {
            Mock -ModuleName WinciHyperV Get-SmbShare { New-Share }
            Mock -ModuleName WinciHyperV Get-SmbShareAccess {
                @((New-Ace 'EXAMPLE\Glance-Svc$' 'Full'), (New-Ace 'EXAMPLE\winci-containers' 'Change'))
            }
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCaShare -Module $module
            $module.Result.changed | Should -BeFalse
            $module.Result.found.access.Count | Should -Be 2
            Should -Invoke -ModuleName WinciHyperV Set-SmbShare -Times 0 -Exactly
            Should -Invoke -ModuleName WinciHyperV Grant-SmbShareAccess -Times 0 -Exactly
            Should -Invoke -ModuleName WinciHyperV Revoke-SmbShareAccess -Times 0 -Exactly
        }
        It 'turns continuous availability on, and only that' {
            Mock -ModuleName WinciHyperV Get-SmbShare { New-Share -Ca $false }
            Mock -ModuleName WinciHyperV Get-SmbShareAccess {
                @((New-Ace 'EXAMPLE\glance-svc$' 'Full'), (New-Ace 'EXAMPLE\winci-containers' 'Change'))
            }
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCaShare -Module $module
            $module.Result.changed | Should -BeTrue
            $module.Diff.before.continuously_available | Should -BeFalse
            $module.Diff.after.continuously_available | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV Set-SmbShare -Times 1 -Exactly -ParameterFilter {
                $ContinuouslyAvailable -eq $true -and $null -eq $EncryptData
            }
        }
        It 'replaces a different right and revokes unlisted accounts with purge_access' {
            Mock -ModuleName WinciHyperV Get-SmbShare { New-Share }
            Mock -ModuleName WinciHyperV Get-SmbShareAccess {
                @((New-Ace 'EXAMPLE\glance-svc$' 'Read'), (New-Ace 'EXAMPLE\winci-containers' 'Change'), (New-Ace 'Everyone' 'Read'))
            }
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCaShare -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV Grant-SmbShareAccess -Times 1 -Exactly -ParameterFilter {
                $AccountName -eq 'EXAMPLE\glance-svc$' -and $AccessRight -eq 'Full'
            }
            Should -Invoke -ModuleName WinciHyperV Revoke-SmbShareAccess -Times 1 -Exactly -ParameterFilter { $AccountName -eq 'Everyone' }
            $module.Result.share.access | Should -Not -Contain 'Everyone:Read'
        }
        It 'fails when the share points at another path' {
            Mock -ModuleName WinciHyperV Get-SmbShare { New-Share }
            Mock -ModuleName WinciHyperV Get-SmbShareAccess { @() }
            $module = New-FakeModule -Defaults $Defaults -Params @{ path = 'C:\ClusterStorage\other' }
            { Invoke-WinciCaShare -Module $module } | Should -Throw '*remove it first*'
        }
    }
}
