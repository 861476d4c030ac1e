# Shared set-up for the Pester 5 tests of the winci.hyperv modules.
#
# Run on a Windows runner with Pester 5 (NOT run by winci's Linux checks, which only parse
# these files with tree-sitter):
#     Invoke-Pester -Path ansible/collections/ansible_collections/winci/hyperv/tests/pester
#
# The FailoverClusters, Storage and SmbShare modules are usually missing on CI runners, and
# Pester can only mock commands that exist, so each cmdlet the logic calls gets a stub
# with the parameters it is called with, unless the real cmdlet is installed. Every test
# mocks what it needs; a stub that is not mocked does nothing.

$script:CmdletStubs = @{
    'Get-Cluster' = '$Name'
    'New-Cluster' = '$Name, $Node, $StaticAddress, $IgnoreNetwork, [switch]$NoStorage'
    'Get-ClusterNode' = '$Cluster'
    'Add-ClusterNode' = '$Cluster, $Name, [switch]$NoStorage'
    'Get-ClusterQuorum' = '$Cluster'
    'Set-ClusterQuorum' = '$Cluster, [switch]$NoWitness, $FileShareWitness, [switch]$CloudWitness, $AccountName, $AccessKey, $Endpoint'
    'Get-ClusterParameter' = '$InputObject, $Name'
    'Get-ClusterStorageSpacesDirect' = '$CimSession'
    'Enable-ClusterStorageSpacesDirect' = '$CimSession, $PoolFriendlyName, [bool]$Autoconfig'
    'Get-StoragePool' = '$CimSession, $FriendlyName, $IsPrimordial'
    'Get-VirtualDisk' = '$CimSession, $FriendlyName'
    'New-Volume' = '$CimSession, $StoragePoolFriendlyName, $FriendlyName, $FileSystem, $Size, $ResiliencySettingName'
    'Resize-VirtualDisk' = '$CimSession, $FriendlyName, $Size'
    'Remove-VirtualDisk' = '$CimSession, $FriendlyName'
    'Get-Disk' = '[Parameter(ValueFromPipeline = $true)] $InputObject'
    'Get-Partition' = '[Parameter(ValueFromPipeline = $true)] $InputObject'
    'Get-PartitionSupportedSize' = '[Parameter(ValueFromPipeline = $true)] $InputObject'
    'Resize-Partition' = '[Parameter(ValueFromPipeline = $true)] $InputObject, $Size'
    'Get-ClusterSharedVolume' = '$Cluster'
    'Remove-ClusterSharedVolume' = '[Parameter(ValueFromPipeline = $true)] $InputObject'
    'Remove-ClusterResource' = '[Parameter(ValueFromPipeline = $true)] $InputObject, [switch]$Force'
    'Get-ClusterGroup' = '$Cluster, $Name'
    'Add-ClusterScaleOutFileServerRole' = '$Cluster, $Name'
    'Remove-ClusterGroup' = '$Cluster, $Name, [switch]$RemoveResources, [switch]$Force'
    'Get-SmbShare' = '$Name, $ScopeName'
    'New-SmbShare' = '$Name, $Path, $ScopeName, $ContinuouslyAvailable, $EncryptData, $CachingMode, $FolderEnumerationMode, $Description, $FullAccess'
    'Set-SmbShare' = '$Name, $ScopeName, $ContinuouslyAvailable, $EncryptData, $CachingMode, $FolderEnumerationMode, $Description, [switch]$Force'
    'Remove-SmbShare' = '$Name, $ScopeName, [switch]$Force'
    'Get-SmbShareAccess' = '$Name, $ScopeName'
    'Grant-SmbShareAccess' = '$Name, $ScopeName, $AccountName, $AccessRight, [switch]$Force'
    'Revoke-SmbShareAccess' = '$Name, $ScopeName, $AccountName, [switch]$Force'
    'Get-SmbGlobalMapping' = '$RemotePath'
    'New-SmbGlobalMapping' = '$RemotePath, $LocalPath, $Credential, $RequirePrivacy, $Persistent'
    'Remove-SmbGlobalMapping' = '$RemotePath, [switch]$Force'
}

foreach ($name in $script:CmdletStubs.Keys) {
    if (-not (Get-Command -Name $name -ErrorAction SilentlyContinue)) {
        $body = "[CmdletBinding(SupportsShouldProcess = `$true)] param($($script:CmdletStubs[$name]))"
        Set-Item -Path "function:global:$name" -Value ([scriptblock]::Create($body))
    }
}

$utilPath = Join-Path $PSScriptRoot '..\..\plugins\module_utils\WinciHyperV.psm1'
Import-Module -Name $utilPath -Force

function New-FakeModule {
    # Stands in for Ansible.Basic.AnsibleModule: Params (defaults merged as the module spec
    # does), CheckMode, Result, Diff, Warn() collecting warnings and FailJson() throwing.
    param(
        [hashtable] $Defaults = @{},
        [hashtable] $Params = @{},
        [switch] $CheckMode
    )
    $merged = @{}
    foreach ($key in $Defaults.Keys) { $merged[$key] = $Defaults[$key] }
    foreach ($key in $Params.Keys) { $merged[$key] = $Params[$key] }
    $module = [PSCustomObject]@{
        Params = $merged
        CheckMode = [bool]$CheckMode
        Result = @{ changed = $false }
        Diff = @{}
        Warnings = [System.Collections.Generic.List[string]]::new()
    }
    $module | Add-Member -MemberType ScriptMethod -Name Warn -Value { param($Message) $this.Warnings.Add($Message) }
    $module | Add-Member -MemberType ScriptMethod -Name FailJson -Value { param($Message) throw "FailJson: $Message" }
    return $module
}
