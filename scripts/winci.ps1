<#
.SYNOPSIS
    Bootstrap winci on Windows (a .venv with winci installed), then run its CLI.

.DESCRIPTION
    The Windows twin of scripts/winci: finds Python >= 3.11 (py launcher or python.exe),
    creates .venv beside this repo on first use, installs winci pinned by
    constraints/winci.txt, and passes every argument to the winci CLI. It reinstalls
    only when pyproject.toml or the constraints change.

    Checked statically only: this script has not yet been run on Windows by the winci
    project's own CI.

.EXAMPLE
    .\scripts\winci.ps1 run unit --backend docker
#>
[CmdletBinding()]
param(
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $WinciArgs
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = Split-Path -Parent $PSScriptRoot
$Venv = Join-Path $Root '.venv'
$VenvPython = Join-Path $Venv 'Scripts\python.exe'
$Winci = Join-Path $Venv 'Scripts\winci.exe'

function Write-Step([string] $Message) {
    Write-Host "winci bootstrap: $Message"
}

function Find-Python {
    $candidates = @()
    if ($env:WINCI_PYTHON) { $candidates += , @($env:WINCI_PYTHON) }
    if (Get-Command py -ErrorAction SilentlyContinue) {
        foreach ($v in '3.13', '3.12', '3.11') { $candidates += , @('py', "-$v") }
    }
    $candidates += , @('python')
    foreach ($cand in $candidates) {
        $exe = $cand[0]
        $rest = @($cand | Select-Object -Skip 1)
        try {
            & $exe @rest -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>$null
            if ($LASTEXITCODE -eq 0) { return , $cand }
        } catch {
            continue
        }
    }
    throw 'Python >= 3.11 is needed: install it from python.org (InstallAllUsers=1 PrependPath=1) and re-run'
}

function Get-InputKey {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $bytes = [System.IO.File]::ReadAllBytes((Join-Path $Root 'pyproject.toml')) +
        [System.IO.File]::ReadAllBytes((Join-Path $Root 'constraints\winci.txt'))
    $hash = $sha.ComputeHash($bytes)
    return (($hash | ForEach-Object { $_.ToString('x2') }) -join '').Substring(0, 16)
}

$key = Get-InputKey
$stamp = Join-Path $Venv ".winci-installed-$key"
if (-not (Test-Path $VenvPython)) {
    $py = Find-Python
    $exe = $py[0]
    $rest = @($py | Select-Object -Skip 1)
    Write-Step "creating $Venv"
    & $exe @rest -m venv $Venv
    if ($LASTEXITCODE -ne 0) { throw "could not create $Venv" }
}
if (-not (Test-Path $stamp)) {
    Write-Step 'installing winci into .venv (pinned by constraints\winci.txt)'
    $log = Join-Path $Venv 'pip-install.log'
    & $VenvPython -m pip install -c (Join-Path $Root 'constraints\winci.txt') -e $Root *> $log
    if ($LASTEXITCODE -ne 0) {
        Get-Content $log -Tail 30 | Write-Host
        throw "pip install of winci failed (full log: $log)"
    }
    Get-ChildItem $Venv -Filter '.winci-installed-*' | Remove-Item -Force
    New-Item -ItemType File -Path $stamp | Out-Null
}
& $Winci @WinciArgs
exit $LASTEXITCODE
