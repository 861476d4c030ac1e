# Stops processes whose executable lies under the workspace (a job's venv python, a
# leftover Glance or Keystone), so the workspace can be removed. No change when none runs.
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string] $Workspace
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$root = [System.IO.Path]::GetFullPath($Workspace).TrimEnd('\') + '\'
$procs = @(Get-CimInstance -ClassName Win32_Process | Where-Object {
        $_.ExecutablePath -and $_.ExecutablePath.StartsWith($root, [System.StringComparison]::OrdinalIgnoreCase)
    })
$Ansible.Result = @{ stopped = @($procs | ForEach-Object { "$($_.ProcessId) $($_.ExecutablePath)" }) }
foreach ($proc in $procs) {
    if ($PSCmdlet.ShouldProcess("$($proc.ProcessId)", 'Stop-Process')) {
        Stop-Process -Id $proc.ProcessId -Force -ErrorAction SilentlyContinue
    }
    $Ansible.Changed = $true
}
