# Logic of the winci.hyperv modules: failover cluster, Storage Spaces Direct, CSV volumes,
# Scale-Out File Server role, continuously available SMB shares and SMB global mappings.
#
# Each Invoke-Winci* function takes the module object (Ansible.Basic.AnsibleModule under
# Ansible, a stand-in in the Pester tests) and uses only .Params, .CheckMode, .Result,
# .Diff, .Warn() and .FailJson(). Each one reads the current state with Get-* cmdlets first,
# computes what differs, changes only that (never in check mode), sets the diff
# (before/after) and returns what it found in .Result.
#
# Checked statically only (tree-sitter parse, Pester tests with the cmdlets mocked shipped
# for a Windows runner): not yet run against a real cluster.

Set-StrictMode -Version 2.0

function ConvertTo-WinciNameSet {
    # Lower-cased short names (no domain suffix), sorted, for order-insensitive compares.
    param([object[]] $Names)
    $set = @(foreach ($n in @($Names)) {
            if ($null -ne $n -and "$n" -ne '') { ("$n" -split '\.')[0].ToLowerInvariant() }
        })
    return , @($set | Sort-Object -Unique)
}

function Get-WinciQuorumState {
    param([string] $Cluster)
    $quorum = Get-ClusterQuorum -Cluster $Cluster
    $resource = $quorum.QuorumResource
    if ($null -eq $resource) {
        return @{ type = 'none'; file_share = $null; cloud_account = $null }
    }
    $rtype = "$($resource.ResourceType)"
    if ($rtype -eq 'File Share Witness') {
        $path = (Get-ClusterParameter -InputObject $resource -Name SharePath).Value
        return @{ type = 'file_share'; file_share = $path; cloud_account = $null }
    }
    if ($rtype -eq 'Cloud Witness') {
        $account = (Get-ClusterParameter -InputObject $resource -Name AccountName).Value
        return @{ type = 'cloud'; file_share = $null; cloud_account = $account }
    }
    return @{ type = 'disk'; file_share = $null; cloud_account = $null }
}

function Complete-WinciAbsent {
    # state=absent: run $Remove (not in check mode) when the object exists; set the result.
    param($Module, [hashtable] $Before, [scriptblock] $Remove, [string] $ResultKey)
    if ($Before.exists) {
        if (-not $Module.CheckMode) { & $Remove }
        $Module.Result.changed = $true
    }
    $Module.Diff.before = $Before
    $Module.Diff.after = @{ exists = $false }
    $Module.Result.found = $Before
    $Module.Result[$ResultKey] = $null
}

function Invoke-WinciCluster {
    param([Parameter(Mandatory = $true)] $Module)
    $p = $Module.Params
    $name = $p.name
    $wanted = ConvertTo-WinciNameSet -Names $p.nodes

    $cluster = Get-Cluster -Name $name -ErrorAction SilentlyContinue
    $created = $false
    if ($null -eq $cluster) {
        $before = @{ exists = $false; nodes = @(); quorum = $null }
        $current = @()
        $newArgs = @{ Name = $name; Node = @($p.nodes); NoStorage = [bool]$p.no_storage }
        if ($p.static_address) { $newArgs.StaticAddress = @($p.static_address) }
        if ($p.ignore_network) { $newArgs.IgnoreNetwork = @($p.ignore_network) }
        if (-not $Module.CheckMode) {
            New-Cluster @newArgs -ErrorAction Stop | Out-Null
        }
        $created = $true
        $Module.Result.changed = $true
    }
    else {
        $current = ConvertTo-WinciNameSet -Names @(Get-ClusterNode -Cluster $name | ForEach-Object { $_.Name })
        $before = @{ exists = $true; nodes = $current; quorum = (Get-WinciQuorumState -Cluster $name) }
        $missing = @($wanted | Where-Object { $current -notcontains $_ })
        foreach ($node in $missing) {
            if (-not $Module.CheckMode) {
                Add-ClusterNode -Cluster $name -Name $node -NoStorage:([bool]$p.no_storage) -ErrorAction Stop | Out-Null
            }
            $Module.Result.changed = $true
        }
        $extra = @($current | Where-Object { $wanted -notcontains $_ })
        if ($extra.Count -gt 0) {
            $Module.Warn("cluster $name has nodes not listed in 'nodes' (left in place): $($extra -join ', ')")
        }
    }

    $quorum = $before.quorum
    if ($p.witness_type) {
        $want = @{ type = $p.witness_type; file_share = $null; cloud_account = $null }
        if ($p.witness_type -eq 'file_share') { $want.file_share = $p.file_share_witness }
        if ($p.witness_type -eq 'cloud') { $want.cloud_account = $p.cloud_witness_account }
        $have = $quorum
        if ($null -eq $have) { $have = @{ type = 'none'; file_share = $null; cloud_account = $null } }
        $differs = ($have.type -ne $want.type) -or ("$($have.file_share)" -ne "$($want.file_share)") -or
            ("$($have.cloud_account)" -ne "$($want.cloud_account)")
        if ($differs) {
            if (-not $Module.CheckMode) {
                $quorumArgs = @{ Cluster = $name }
                switch ($p.witness_type) {
                    'none' { $quorumArgs.NoWitness = $true }
                    'file_share' { $quorumArgs.FileShareWitness = $p.file_share_witness }
                    'cloud' {
                        $quorumArgs.CloudWitness = $true
                        $quorumArgs.AccountName = $p.cloud_witness_account
                        $quorumArgs.AccessKey = $p.cloud_witness_access_key
                        if ($p.cloud_witness_endpoint) { $quorumArgs.Endpoint = $p.cloud_witness_endpoint }
                    }
                }
                Set-ClusterQuorum @quorumArgs -ErrorAction Stop | Out-Null
            }
            $Module.Result.changed = $true
        }
        $quorum = $want
    }

    $after = @{ exists = $true; nodes = (ConvertTo-WinciNameSet -Names (@($current) + @($wanted))); quorum = $quorum }
    $Module.Diff.before = $before
    $Module.Diff.after = $after
    $Module.Result.created = $created
    $Module.Result.cluster = @{ name = $name; nodes = $after.nodes; found = $before; quorum = $quorum }
}

function Invoke-WinciS2D {
    param([Parameter(Mandatory = $true)] $Module)
    $p = $Module.Params
    $s2d = Get-ClusterStorageSpacesDirect -CimSession $p.cluster -ErrorAction SilentlyContinue
    $state = 'Disabled'
    if ($null -ne $s2d) { $state = "$($s2d.State)" }
    $before = @{ state = $state; pool = $null }
    $pool = Get-StoragePool -CimSession $p.cluster -FriendlyName $p.pool_friendly_name -ErrorAction SilentlyContinue
    if ($null -ne $pool) { $before.pool = $pool.FriendlyName }

    if ($state -ne 'Enabled') {
        if (-not $Module.CheckMode) {
            $enableArgs = @{
                CimSession = $p.cluster
                PoolFriendlyName = $p.pool_friendly_name
                Autoconfig = [bool]$p.autoconfig
                Confirm = $false
            }
            Enable-ClusterStorageSpacesDirect @enableArgs -ErrorAction Stop | Out-Null
            $pool = Get-StoragePool -CimSession $p.cluster -FriendlyName $p.pool_friendly_name -ErrorAction SilentlyContinue
        }
        $Module.Result.changed = $true
    }
    elseif ($null -eq $pool) {
        $Module.Warn("S2D is enabled but no pool named '$($p.pool_friendly_name)' was found")
    }
    $after = @{ state = 'Enabled'; pool = $p.pool_friendly_name }
    $Module.Diff.before = $before
    $Module.Diff.after = $after
    $Module.Result.s2d = @{ state = $after.state; found_state = $state }
    $Module.Result.pool = $null
    if ($null -ne $pool) {
        $Module.Result.pool = @{
            friendly_name = $pool.FriendlyName
            health_status = "$($pool.HealthStatus)"
            operational_status = "$($pool.OperationalStatus)"
            size = $pool.Size
            allocated_size = $pool.AllocatedSize
        }
    }
}

function Get-WinciCsvPath {
    param([string] $Cluster, [string] $VolumeName)
    $csv = Get-ClusterSharedVolume -Cluster $Cluster -ErrorAction SilentlyContinue |
        Where-Object { $_.Name -eq "Cluster Virtual Disk ($VolumeName)" } | Select-Object -First 1
    if ($null -eq $csv) { return $null }
    return $csv.SharedVolumeInfo.FriendlyVolumeName
}

function Invoke-WinciCsvVolume {
    param([Parameter(Mandatory = $true)] $Module)
    $p = $Module.Params
    $name = $p.name
    $disk = Get-VirtualDisk -CimSession $p.cluster -FriendlyName $name -ErrorAction SilentlyContinue
    $before = @{ exists = $false }
    if ($null -ne $disk) {
        $before = @{
            exists = $true
            size = [int64]$disk.Size
            resiliency = "$($disk.ResiliencySettingName)"
            csv_path = (Get-WinciCsvPath -Cluster $p.cluster -VolumeName $name)
        }
    }
    $wantSize = [int64]$p.size_gb * 1GB

    if ($p.state -eq 'absent') {
        Complete-WinciAbsent -Module $Module -Before $before -ResultKey volume -Remove {
            $csv = Get-ClusterSharedVolume -Cluster $p.cluster -ErrorAction SilentlyContinue |
                Where-Object { $_.Name -eq "Cluster Virtual Disk ($name)" }
            if ($null -ne $csv) {
                $csv | Remove-ClusterSharedVolume -ErrorAction Stop | Out-Null
                $csv | Remove-ClusterResource -Force -ErrorAction Stop | Out-Null
            }
            Remove-VirtualDisk -CimSession $p.cluster -FriendlyName $name -Confirm:$false -ErrorAction Stop
        }
        return
    }

    if (-not $before.exists) {
        $pool = Get-StoragePool -CimSession $p.cluster -FriendlyName $p.pool -IsPrimordial $false -ErrorAction SilentlyContinue |
            Select-Object -First 1
        if ($null -eq $pool -and -not $Module.CheckMode) {
            $Module.FailJson("storage pool '$($p.pool)' not found on $($p.cluster): enable S2D first (winci.hyperv.s2d)")
            return
        }
        if ($null -eq $pool) {
            # Check mode of a whole run: the S2D task before this one did not make the pool.
            $Module.Warn("storage pool '$($p.pool)' not found on $($p.cluster) (check mode): the volume would be created once S2D is enabled")
        }
        if (-not $Module.CheckMode) {
            $newArgs = @{
                CimSession = $p.cluster
                StoragePoolFriendlyName = $pool.FriendlyName
                FriendlyName = $name
                FileSystem = $p.file_system
                Size = $wantSize
                ResiliencySettingName = $p.resiliency
            }
            New-Volume @newArgs -ErrorAction Stop | Out-Null
        }
        $Module.Result.changed = $true
        $after = @{ exists = $true; size = $wantSize; resiliency = $p.resiliency; csv_path = $null }
    }
    else {
        if ($before.resiliency -ne $p.resiliency) {
            $Module.FailJson("volume $name has resiliency $($before.resiliency), not $($p.resiliency): this cannot be changed in place")
            return
        }
        $after = $before.Clone()
        # Sizes are rounded to the pool's allocation unit: differences under 1 GiB are equal.
        if ($wantSize - $before.size -ge 1GB) {
            if (-not $Module.CheckMode) {
                Resize-VirtualDisk -CimSession $p.cluster -FriendlyName $name -Size $wantSize -ErrorAction Stop
                $partition = $disk | Get-Disk | Get-Partition | Where-Object { $_.Type -eq 'Basic' } |
                    Sort-Object -Property Size -Descending | Select-Object -First 1
                if ($null -ne $partition) {
                    $supported = $partition | Get-PartitionSupportedSize
                    $partition | Resize-Partition -Size $supported.SizeMax -ErrorAction Stop
                }
            }
            $after.size = $wantSize
            $Module.Result.changed = $true
        }
        elseif ($before.size - $wantSize -ge 1GB) {
            $Module.Warn("volume $name is larger ($($before.size) bytes) than size_gb asks; volumes are never shrunk")
        }
    }
    if (-not $Module.CheckMode) {
        $after.csv_path = Get-WinciCsvPath -Cluster $p.cluster -VolumeName $name
    }
    $Module.Diff.before = $before
    $Module.Diff.after = $after
    $Module.Result.found = $before
    $Module.Result.volume = @{
        friendly_name = $name
        size = $after.size
        resiliency = $after.resiliency
        file_system = $p.file_system
        csv_path = $after.csv_path
    }
}

function Invoke-WinciSofsRole {
    param([Parameter(Mandatory = $true)] $Module)
    $p = $Module.Params
    $group = Get-ClusterGroup -Cluster $p.cluster -Name $p.name -ErrorAction SilentlyContinue
    $before = @{ exists = $false }
    if ($null -ne $group) {
        $before = @{
            exists = $true
            group_type = "$($group.GroupType)"
            state = "$($group.State)"
            owner_node = "$($group.OwnerNode)"
        }
        if ($before.group_type -ne 'ScaleoutFileServer') {
            $Module.FailJson("cluster group $($p.name) exists but is a $($before.group_type) role, not a Scale-Out File Server")
            return
        }
    }
    $after = $before
    if ($p.state -eq 'present' -and -not $before.exists) {
        if (-not $Module.CheckMode) {
            # Talks to every node: needs credentials that can make the second hop (become/CredSSP).
            Add-ClusterScaleOutFileServerRole -Cluster $p.cluster -Name $p.name -ErrorAction Stop | Out-Null
            $group = Get-ClusterGroup -Cluster $p.cluster -Name $p.name -ErrorAction SilentlyContinue
        }
        $after = @{ exists = $true; group_type = 'ScaleoutFileServer'; state = $null; owner_node = $null }
        if ($null -ne $group) {
            $after.state = "$($group.State)"
            $after.owner_node = "$($group.OwnerNode)"
        }
        $Module.Result.changed = $true
    }
    elseif ($p.state -eq 'absent' -and $before.exists) {
        if (-not $Module.CheckMode) {
            Remove-ClusterGroup -Cluster $p.cluster -Name $p.name -RemoveResources -Force -ErrorAction Stop
        }
        $after = @{ exists = $false }
        $Module.Result.changed = $true
    }
    $Module.Diff.before = $before
    $Module.Diff.after = $after
    $Module.Result.found = $before
    $Module.Result.role = $after
}

function Get-WinciShareAccess {
    # Allow entries of a share as account -> right (Full, Change, Read), account lower-cased.
    param([string] $Name, [string] $ScopeName)
    $map = @{}
    foreach ($ace in @(Get-SmbShareAccess -Name $Name -ScopeName $ScopeName -ErrorAction Stop)) {
        if ("$($ace.AccessControlType)" -eq 'Allow') {
            $map["$($ace.AccountName)".ToLowerInvariant()] = @{ account = "$($ace.AccountName)"; right = "$($ace.AccessRight)" }
        }
    }
    return $map
}

function Get-WinciWantedAccess {
    param($Params)
    $map = @{}
    foreach ($pair in @(@('Read', $Params.read_access), @('Change', $Params.change_access), @('Full', $Params.full_access))) {
        foreach ($account in @($pair[1])) {
            if ($null -ne $account -and "$account" -ne '') {
                $map["$account".ToLowerInvariant()] = @{ account = "$account"; right = $pair[0] }
            }
        }
    }
    return $map
}

function Invoke-WinciCaShare {
    param([Parameter(Mandatory = $true)] $Module)
    $p = $Module.Params
    $scope = $p.scope_name
    $share = Get-SmbShare -Name $p.name -ScopeName $scope -ErrorAction SilentlyContinue
    $before = @{ exists = $false }
    $access = @{}
    if ($null -ne $share) {
        $access = Get-WinciShareAccess -Name $p.name -ScopeName $scope
        $before = @{
            exists = $true
            path = "$($share.Path)"
            continuously_available = [bool]$share.ContinuouslyAvailable
            encrypt_data = [bool]$share.EncryptData
            caching_mode = "$($share.CachingMode)"
            folder_enumeration_mode = "$($share.FolderEnumerationMode)"
            description = "$($share.Description)"
            access = @($access.Values | Sort-Object { $_.account } | ForEach-Object { "$($_.account):$($_.right)" })
        }
    }

    if ($p.state -eq 'absent') {
        Complete-WinciAbsent -Module $Module -Before $before -ResultKey share -Remove {
            Remove-SmbShare -Name $p.name -ScopeName $scope -Force -ErrorAction Stop
        }
        return
    }

    $props = @{
        ContinuouslyAvailable = [bool]$p.continuously_available
        EncryptData = [bool]$p.encrypt_data
        CachingMode = $p.caching_mode
    }
    if ($p.folder_enumeration_mode) { $props.FolderEnumerationMode = $p.folder_enumeration_mode }
    if ($null -ne $p.description) { $props.Description = $p.description }
    $wanted = Get-WinciWantedAccess -Params $p

    if (-not $before.exists) {
        if (-not $Module.CheckMode) {
            $newArgs = @{ Name = $p.name; Path = $p.path; ScopeName = $scope }
            foreach ($key in $props.Keys) { $newArgs[$key] = $props[$key] }
            # Without any access list New-SmbShare grants Everyone read: start with our list.
            $full = @($wanted.Values | Where-Object { $_.right -eq 'Full' } | ForEach-Object { $_.account })
            if ($full.Count -gt 0) { $newArgs.FullAccess = $full }
            New-SmbShare @newArgs -ErrorAction Stop | Out-Null
            $access = Get-WinciShareAccess -Name $p.name -ScopeName $scope
        }
        $Module.Result.changed = $true
    }
    else {
        if ($before.path.TrimEnd('\') -ne "$($p.path)".TrimEnd('\')) {
            $Module.FailJson("share $($p.name) points at $($before.path), not $($p.path): remove it first (state=absent) to move it")
            return
        }
        $setArgs = @{}
        if ($before.continuously_available -ne $props.ContinuouslyAvailable) { $setArgs.ContinuouslyAvailable = $props.ContinuouslyAvailable }
        if ($before.encrypt_data -ne $props.EncryptData) { $setArgs.EncryptData = $props.EncryptData }
        if ($before.caching_mode -ne $props.CachingMode) { $setArgs.CachingMode = $props.CachingMode }
        if ($props.ContainsKey('FolderEnumerationMode') -and $before.folder_enumeration_mode -ne $props.FolderEnumerationMode) {
            $setArgs.FolderEnumerationMode = $props.FolderEnumerationMode
        }
        if ($props.ContainsKey('Description') -and $before.description -ne $props.Description) { $setArgs.Description = $props.Description }
        if ($setArgs.Count -gt 0) {
            if (-not $Module.CheckMode) {
                Set-SmbShare -Name $p.name -ScopeName $scope @setArgs -Force -ErrorAction Stop
            }
            $Module.Result.changed = $true
        }
    }

    # Share permissions: grant what is missing or different, revoke the rest when purge_access.
    $final = @{}
    foreach ($key in $access.Keys) { $final[$key] = $access[$key] }
    foreach ($key in $wanted.Keys) {
        $want = $wanted[$key]
        $have = $null
        if ($access.ContainsKey($key)) { $have = $access[$key] }
        if ($null -ne $have -and $have.right -eq $want.right) { continue }
        if (-not $Module.CheckMode) {
            if ($null -ne $have) {
                Revoke-SmbShareAccess -Name $p.name -ScopeName $scope -AccountName $have.account -Force -ErrorAction Stop | Out-Null
            }
            Grant-SmbShareAccess -Name $p.name -ScopeName $scope -AccountName $want.account -AccessRight $want.right -Force -ErrorAction Stop | Out-Null
        }
        $final[$key] = $want
        $Module.Result.changed = $true
    }
    if ($p.purge_access) {
        foreach ($key in @($access.Keys)) {
            if ($wanted.ContainsKey($key)) { continue }
            if (-not $Module.CheckMode) {
                Revoke-SmbShareAccess -Name $p.name -ScopeName $scope -AccountName $access[$key].account -Force -ErrorAction Stop | Out-Null
            }
            $final.Remove($key)
            $Module.Result.changed = $true
        }
    }

    $after = @{
        exists = $true
        path = $p.path
        continuously_available = $props.ContinuouslyAvailable
        encrypt_data = $props.EncryptData
        caching_mode = $props.CachingMode
        folder_enumeration_mode = $(if ($props.ContainsKey('FolderEnumerationMode')) { $props.FolderEnumerationMode } else { $before.folder_enumeration_mode })
        description = $(if ($props.ContainsKey('Description')) { $props.Description } else { $before.description })
        access = @($final.Values | Sort-Object { $_.account } | ForEach-Object { "$($_.account):$($_.right)" })
    }
    $Module.Diff.before = $before
    $Module.Diff.after = $after
    $Module.Result.found = $before
    $Module.Result.share = $after
}

function Invoke-WinciSmbGlobalMapping {
    param([Parameter(Mandatory = $true)] $Module)
    $p = $Module.Params
    $mapping = Get-SmbGlobalMapping -RemotePath $p.remote_path -ErrorAction SilentlyContinue | Select-Object -First 1
    $before = @{ exists = $false }
    if ($null -ne $mapping) {
        $privacy = $null
        if ($mapping.PSObject.Properties.Name -contains 'RequirePrivacy') { $privacy = [bool]$mapping.RequirePrivacy }
        $before = @{
            exists = $true
            remote_path = "$($mapping.RemotePath)"
            local_path = "$($mapping.LocalPath)"
            status = "$($mapping.Status)"
            require_privacy = $privacy
        }
    }

    if ($p.state -eq 'absent') {
        Complete-WinciAbsent -Module $Module -Before $before -ResultKey mapping -Remove {
            Remove-SmbGlobalMapping -RemotePath $p.remote_path -Force -ErrorAction Stop
        }
        return
    }

    $reasons = @()
    if (-not $before.exists) {
        $reasons += 'missing'
    }
    else {
        $haveLocal = "$($before.local_path)".TrimEnd(':').ToUpperInvariant()
        $wantLocal = "$($p.local_path)".TrimEnd(':').ToUpperInvariant()
        if ($haveLocal -ne $wantLocal) { $reasons += "local path $($before.local_path)" }
        # RequirePrivacy is not shown by every Windows build: only a known mismatch counts.
        if ($null -ne $before.require_privacy -and $before.require_privacy -ne [bool]$p.require_privacy) {
            $reasons += "require_privacy $($before.require_privacy)"
        }
        if ($p.update_password -eq 'always') { $reasons += 'update_password=always' }
    }
    if ($reasons.Count -gt 0) {
        if (-not $Module.CheckMode) {
            if ($before.exists) {
                Remove-SmbGlobalMapping -RemotePath $p.remote_path -Force -ErrorAction Stop
            }
            $secure = ConvertTo-SecureString -String $p.password -AsPlainText -Force
            $credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList $p.username, $secure
            $newArgs = @{
                RemotePath = $p.remote_path
                LocalPath = $p.local_path
                Credential = $credential
                RequirePrivacy = [bool]$p.require_privacy
                Persistent = $true
            }
            New-SmbGlobalMapping @newArgs -ErrorAction Stop | Out-Null
        }
        $Module.Result.changed = $true
    }
    elseif ($before.status -and $before.status -ne 'OK') {
        $Module.Warn("global mapping $($p.remote_path) exists with status $($before.status)")
    }
    $after = @{
        exists = $true
        remote_path = $p.remote_path
        local_path = $p.local_path
        status = $before.status
        require_privacy = [bool]$p.require_privacy
    }
    if ($reasons.Count -gt 0) { $after.status = $null }
    $Module.Diff.before = $before
    $Module.Diff.after = $after
    $Module.Result.found = $before
    $Module.Result.reasons = $reasons
    $Module.Result.mapping = $after
}

Export-ModuleMember -Function @(
    'Invoke-WinciCluster', 'Invoke-WinciS2D', 'Invoke-WinciCsvVolume', 'Invoke-WinciSofsRole',
    'Invoke-WinciCaShare', 'Invoke-WinciSmbGlobalMapping', 'ConvertTo-WinciNameSet'
)
