# Runs Test-Cluster on the nodes (read-only: it also runs in check mode) unless the cluster
# exists and Mode is before_create. Storage tests are not run against a running cluster,
# as they can take its disks offline. Returns the report path and Test-Cluster's warnings;
# fails when a warning reports a failed test. (Test-Cluster flags problems as warnings and
# writes details to the report: the "fail" match is not yet confirmed on Windows.)
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string] $Cluster,
    [Parameter(Mandatory = $true)][string[]] $Nodes,
    [Parameter(Mandatory = $true)][string[]] $Tests,
    [Parameter(Mandatory = $true)][string] $Mode
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$existing = Get-Cluster -Name $Cluster -ErrorAction SilentlyContinue
if ($null -ne $existing -and $Mode -eq 'before_create') {
    $Ansible.Result = @{ skipped_reason = "cluster $Cluster exists"; report = $null }
    return
}
$include = $Tests
if ($null -ne $existing) { $include = @($Tests | Where-Object { $_ -notlike '*Storage*' }) }
$warnings = @()
$report = Test-Cluster -Node $Nodes -Include $include -WarningVariable warnings -WarningAction SilentlyContinue
$messages = @($warnings | ForEach-Object { "$($_.Message)" })
$Ansible.Result = @{ report = "$($report.FullName)"; tests = $include; warnings = $messages }
if (@($messages | Where-Object { $_ -match 'fail' }).Count -gt 0) {
    $Ansible.Failed = $true
}
