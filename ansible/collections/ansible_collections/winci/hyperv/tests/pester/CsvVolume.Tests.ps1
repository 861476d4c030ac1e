# Pester 5 tests of Invoke-WinciCsvVolume (module winci.hyperv.csv_volume), cmdlets mocked.
# For a Windows runner; not run by winci's Linux checks (see TestHelpers.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Defaults = @{
        cluster = 'hvclu01'; name = 'glance'; pool = 'S2D*'; size_gb = 512
        file_system = 'CSVFS_ReFS'; resiliency = 'Mirror'; state = 'present'
    }
    $script:Csv = [PSCustomObject]@{
        Name = 'Cluster Virtual Disk (glance)'
        SharedVolumeInfo = [PSCustomObject]@{ FriendlyVolumeName = 'C:\ClusterStorage\glance' }
    }
}

Describe 'Invoke-WinciCsvVolume' {
    BeforeEach {
        Mock -ModuleName WinciHyperV Get-ClusterSharedVolume { $Csv }
        Mock -ModuleName WinciHyperV New-Volume { $null }
        Mock -ModuleName WinciHyperV Resize-VirtualDisk { $null }
        Mock -ModuleName WinciHyperV Remove-VirtualDisk { $null }
        Mock -ModuleName WinciHyperV Get-StoragePool { [PSCustomObject]@{ FriendlyName = 'S2D Pool' } }
    }
    Context 'the volume does not exist' {
        BeforeEach { Mock -ModuleName WinciHyperV Get-VirtualDisk { $null } }
        It 'creates it on the pool with the size in bytes' {
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeTrue
            $module.Result.volume.csv_path | Should -Be 'C:\ClusterStorage\glance'
            Should -Invoke -ModuleName WinciHyperV New-Volume -Times 1 -Exactly -ParameterFilter {
                $StoragePoolFriendlyName -eq 'S2D Pool' -and $Size -eq 549755813888 -and $FileSystem -eq 'CSVFS_ReFS' -and
                $ResiliencySettingName -eq 'Mirror'
            }
        }
        It 'fails with a hint when there is no pool' {
            Mock -ModuleName WinciHyperV Get-StoragePool { $null }
            $module = New-FakeModule -Defaults $Defaults
            { Invoke-WinciCsvVolume -Module $module } | Should -Throw '*enable S2D first*'
        }
        It 'only warns about a missing pool in check mode (S2D would make it first)' {
            Mock -ModuleName WinciHyperV Get-StoragePool { $null }
            $module = New-FakeModule -Defaults $Defaults -CheckMode
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeTrue
            $module.Warnings[0] | Should -Match 'check mode'
            Should -Invoke -ModuleName WinciHyperV New-Volume -Times 0 -Exactly
        }
        It 'changes nothing in check mode' {
            $module = New-FakeModule -Defaults $Defaults -CheckMode
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV New-Volume -Times 0 -Exactly
        }
    }
    Context 'the volume exists' {
        BeforeEach {
            Mock -ModuleName WinciHyperV Get-VirtualDisk {
                [PSCustomObject]@{ FriendlyName = 'glance'; Size = 549755813888; ResiliencySettingName = 'Mirror' }
            }
        }
        It 'reports no change when size and resiliency match (second run)' {
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeFalse
            $module.Result.found.csv_path | Should -Be 'C:\ClusterStorage\glance'
            Should -Invoke -ModuleName WinciHyperV New-Volume -Times 0 -Exactly
            Should -Invoke -ModuleName WinciHyperV Resize-VirtualDisk -Times 0 -Exactly
        }
        It 'treats a size rounded by less than 1 GiB as equal' {
            Mock -ModuleName WinciHyperV Get-VirtualDisk {
                [PSCustomObject]@{ FriendlyName = 'glance'; Size = 549755813888 + 268435456; ResiliencySettingName = 'Mirror' }
            }
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeFalse
            $module.Warnings.Count | Should -Be 0
        }
        It 'grows it when size_gb is larger' {
            Mock -ModuleName WinciHyperV Get-Disk { $null }
            $module = New-FakeModule -Defaults $Defaults -Params @{ size_gb = 1024 }
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV Resize-VirtualDisk -Times 1 -Exactly -ParameterFilter { $Size -eq 1099511627776 }
        }
        It 'never shrinks it' {
            $module = New-FakeModule -Defaults $Defaults -Params @{ size_gb = 100 }
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeFalse
            $module.Warnings[0] | Should -Match 'never shrunk'
        }
        It 'fails when the resiliency differs' {
            $module = New-FakeModule -Defaults $Defaults -Params @{ resiliency = 'Parity' }
            { Invoke-WinciCsvVolume -Module $module } | Should -Throw '*cannot be changed in place*'
        }
        It 'removes it with state=absent' {
            Mock -ModuleName WinciHyperV Remove-ClusterSharedVolume { $null }
            Mock -ModuleName WinciHyperV Remove-ClusterResource { $null }
            $module = New-FakeModule -Defaults $Defaults -Params @{ state = 'absent' }
            Invoke-WinciCsvVolume -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV Remove-VirtualDisk -Times 1 -Exactly
        }
    }
}
