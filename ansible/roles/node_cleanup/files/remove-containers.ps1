# Removes the containers labelled $Label (running or not). Lists them first: no change when
# there are none. Images and volumes are kept (they are caches).
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string] $Docker,
    [Parameter(Mandatory = $true)][string] $Label
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
if (-not (Test-Path -LiteralPath $Docker)) {
    $Ansible.Result = @{ removed = @(); note = "$Docker not found" }
    return
}
$ids = @(& $Docker ps --all --quiet --filter "label=$Label" | Where-Object { $_ })
if ($LASTEXITCODE -ne 0) { throw "docker ps exited with $LASTEXITCODE" }
$Ansible.Result = @{ removed = $ids }
if ($ids.Count -eq 0) { return }
if ($PSCmdlet.ShouldProcess(($ids -join ' '), 'docker rm --force')) {
    & $Docker rm --force @ids | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "docker rm exited with $LASTEXITCODE" }
}
$Ansible.Changed = $true
