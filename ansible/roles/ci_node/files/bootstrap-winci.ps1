# Runs scripts\winci.ps1 (which creates .venv and installs winci only when pyproject.toml or
# the constraints changed) and reports a change only when it (re)installed: the stamp file
# .venv\.winci-installed-<key> differs before and after. Check mode: only tells whether the
# stamp for the current inputs is missing.
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string] $Root,
    [Parameter(Mandatory = $true)][string] $Python
)
$ErrorActionPreference = 'Stop'
$venv = Join-Path $Root '.venv'
function Get-Stamp { @(Get-ChildItem -Path $venv -Filter '.winci-installed-*' -Force -ErrorAction SilentlyContinue | ForEach-Object { $_.Name }) }
$before = Get-Stamp
if (-not $PSCmdlet.ShouldProcess($Root, 'bootstrap winci')) {
    $Ansible.Changed = $before.Count -eq 0
    $Ansible.Result = @{ stamps = $before }
    return
}
$env:WINCI_PYTHON = $Python
& (Join-Path $Root 'scripts\winci.ps1') --help | Out-Null
if ($LASTEXITCODE -ne 0) { throw "scripts\winci.ps1 --help exited with $LASTEXITCODE" }
$after = Get-Stamp
$Ansible.Changed = (($before -join ',') -ne ($after -join ','))
$Ansible.Result = @{ stamps = $after; winci = (Join-Path $venv 'Scripts\winci.exe') }
