# Runs Test-Cluster on the nodes (read-only: it also runs in check mode) unless the cluster
# exists and Mode is before_create. Storage tests are not run against a running cluster,
# as they can take its disks offline. Fails when the report shows a failed test.
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
$report = Test-Cluster -Node $Nodes -Include $include -WarningAction SilentlyContinue
$reportPath = "$($report.FullName)"
$Ansible.Result = @{ report = $reportPath; tests = $include }
$xmlPath = [System.IO.Path]::ChangeExtension($reportPath, '.xml')
if (Test-Path -LiteralPath $xmlPath) {
    [xml] $xml = Get-Content -LiteralPath $xmlPath -Raw
    $failed = @($xml.SelectNodes('//Channel[@Type="Test"]') | Where-Object { $_.Result.Value -eq 'Failed' })
    if ($failed.Count -gt 0) {
        $Ansible.Failed = $true
        $Ansible.Result.failed_tests = @($failed | ForEach-Object { $_.Title.Value })
    }
}
