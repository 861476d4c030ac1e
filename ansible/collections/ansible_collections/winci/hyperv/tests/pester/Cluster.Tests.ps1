# Pester 5 tests of Invoke-WinciCluster (module winci.hyperv.cluster), cmdlets mocked.
# For a Windows runner; not run by winci's Linux checks (see TestHelpers.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Defaults = @{
        name = 'hvclu01'; nodes = @('hv01', 'hv02', 'hv03'); static_address = @('192.0.2.50')
        ignore_network = $null; no_storage = $true; witness_type = $null; file_share_witness = $null
        cloud_witness_account = $null; cloud_witness_access_key = $null; cloud_witness_endpoint = $null
    }
}

Describe 'Invoke-WinciCluster' {
    Context 'the cluster does not exist' {
        BeforeEach {
            Mock -ModuleName WinciHyperV Get-Cluster { $null }
            Mock -ModuleName WinciHyperV New-Cluster { $null }
        }
        It 'creates it with the nodes, address and -NoStorage' {
            $module = New-FakeModule -Defaults $Defaults
            Invoke-WinciCluster -Module $module
            $module.Result.changed | Should -BeTrue
            $module.Result.created | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV New-Cluster -Times 1 -Exactly -ParameterFilter {
                $Name -eq 'hvclu01' -and ($Node -join ',') -eq 'hv01,hv02,hv03' -and $NoStorage -and $StaticAddress -eq '192.0.2.50'
            }
            $module.Diff.before.exists | Should -BeFalse
            $module.Diff.after.nodes | Should -Be @('hv01', 'hv02', 'hv03')
        }
        It 'changes nothing in check mode but reports the change' {
            $module = New-FakeModule -Defaults $Defaults -CheckMode
            Invoke-WinciCluster -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV New-Cluster -Times 0 -Exactly
        }
    }

    Context 'the cluster exists' {
        BeforeEach {
            Mock -ModuleName WinciHyperV Get-Cluster { [PSCustomObject]@{ Name = 'hvclu01' } }
            Mock -ModuleName WinciHyperV Get-ClusterNode {
                @([PSCustomObject]@{ Name = 'HV01' }, [PSCustomObject]@{ Name = 'hv02.example.test' }, [PSCustomObject]@{ Name = 'hv03' })
            }
            Mock -ModuleName WinciHyperV Get-ClusterQuorum {
                [PSCustomObject]@{ QuorumResource = [PSCustomObject]@{ ResourceType = 'File Share Witness' } }
            }
            Mock -ModuleName WinciHyperV Get-ClusterParameter { [PSCustomObject]@{ Value = '\\fs01\witness$\hvclu01' } }
            Mock -ModuleName WinciHyperV New-Cluster { $null }
            Mock -ModuleName WinciHyperV Add-ClusterNode { $null }
            Mock -ModuleName WinciHyperV Set-ClusterQuorum { $null }
        }
        It 'reports no change when nodes and witness match (second run)' {
            $params = @{ witness_type = 'file_share'; file_share_witness = '\\fs01\witness$\hvclu01' }
            $module = New-FakeModule -Defaults $Defaults -Params $params
            Invoke-WinciCluster -Module $module
            $module.Result.changed | Should -BeFalse
            $module.Result.cluster.found.nodes | Should -Be @('hv01', 'hv02', 'hv03')
            Should -Invoke -ModuleName WinciHyperV New-Cluster -Times 0 -Exactly
            Should -Invoke -ModuleName WinciHyperV Add-ClusterNode -Times 0 -Exactly
            Should -Invoke -ModuleName WinciHyperV Set-ClusterQuorum -Times 0 -Exactly
        }
        It 'adds only the missing node' {
            $module = New-FakeModule -Defaults $Defaults -Params @{ nodes = @('hv01', 'hv02', 'hv03', 'hv04') }
            Invoke-WinciCluster -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV Add-ClusterNode -Times 1 -Exactly -ParameterFilter { $Name -eq 'hv04' }
        }
        It 'warns about, but keeps, nodes that are not listed' {
            $module = New-FakeModule -Defaults $Defaults -Params @{ nodes = @('hv01', 'hv02') }
            Invoke-WinciCluster -Module $module
            $module.Result.changed | Should -BeFalse
            $module.Warnings[0] | Should -Match 'hv03'
        }
        It 'sets a cloud witness when the file share witness is configured' {
            $params = @{ witness_type = 'cloud'; cloud_witness_account = 'acct'; cloud_witness_access_key = 'key' }
            $module = New-FakeModule -Defaults $Defaults -Params $params
            Invoke-WinciCluster -Module $module
            $module.Result.changed | Should -BeTrue
            Should -Invoke -ModuleName WinciHyperV Set-ClusterQuorum -Times 1 -Exactly -ParameterFilter {
                $CloudWitness -and $AccountName -eq 'acct' -and $AccessKey -eq 'key'
            }
        }
    }
}
