# Pester 5 tests of Invoke-WinciS2D (module winci.hyperv.s2d), cmdlets mocked.
# For a Windows runner; not run by winci's Linux checks (see TestHelpers.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Defaults = @{ cluster = 'hvclu01'; pool_friendly_name = 'S2D Pool'; autoconfig = $true }
    $script:Pool = [PSCustomObject]@{
        FriendlyName = 'S2D Pool'; HealthStatus = 'Healthy'; OperationalStatus = 'OK'; Size = 100; AllocatedSize = 10
    }
}

Describe 'Invoke-WinciS2D' {
    BeforeEach {
        Mock -ModuleName WinciHyperV Enable-ClusterStorageSpacesDirect { $null }
    }
    It 'enables S2D when it is disabled' {
        Mock -ModuleName WinciHyperV Get-ClusterStorageSpacesDirect { [PSCustomObject]@{ State = 'Disabled' } }
        Mock -ModuleName WinciHyperV Get-StoragePool { $null }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciS2D -Module $module
        $module.Result.changed | Should -BeTrue
        $module.Result.s2d.found_state | Should -Be 'Disabled'
        Should -Invoke -ModuleName WinciHyperV Enable-ClusterStorageSpacesDirect -Times 1 -Exactly -ParameterFilter {
            $CimSession -eq 'hvclu01' -and $PoolFriendlyName -eq 'S2D Pool'
        }
    }
    It 'does not enable it in check mode' {
        Mock -ModuleName WinciHyperV Get-ClusterStorageSpacesDirect { [PSCustomObject]@{ State = 'Disabled' } }
        Mock -ModuleName WinciHyperV Get-StoragePool { $null }
        $module = New-FakeModule -Defaults $Defaults -CheckMode
        Invoke-WinciS2D -Module $module
        $module.Result.changed | Should -BeTrue
        Should -Invoke -ModuleName WinciHyperV Enable-ClusterStorageSpacesDirect -Times 0 -Exactly
    }
    It 'reports no change and returns the pool when S2D is enabled (second run)' {
        Mock -ModuleName WinciHyperV Get-ClusterStorageSpacesDirect { [PSCustomObject]@{ State = 'Enabled' } }
        Mock -ModuleName WinciHyperV Get-StoragePool { $Pool }
        $module = New-FakeModule -Defaults $Defaults
        Invoke-WinciS2D -Module $module
        $module.Result.changed | Should -BeFalse
        $module.Result.pool.health_status | Should -Be 'Healthy'
        Should -Invoke -ModuleName WinciHyperV Enable-ClusterStorageSpacesDirect -Times 0 -Exactly
    }
}
