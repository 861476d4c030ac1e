# The shared build steps of the winci Windows service images (see winci-install, its
# Linux twin). Checked statically; not yet run on Windows.
#   winci-install.ps1 deps FILE   requirements pinned by the repository's constraints
#   winci-install.ps1 src         every tree (editable) or wheel in C:\winci\src
#   winci-install.ps1 winci       winci itself, from C:\winci\winci-src
param(
    [Parameter(Mandatory = $true)][ValidateSet('deps', 'src', 'winci')][string]$Step,
    [string]$File
)
$ErrorActionPreference = 'Stop'
$pipArgs = @('install', '--no-cache-dir', '--disable-pip-version-check')

function Invoke-Pip {
    param([string[]]$Arguments)
    & pip @pipArgs @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw ('pip {0} failed with exit code {1}' -f ($Arguments -join ' '), $LASTEXITCODE)
    }
}

switch ($Step) {
    'deps' {
        if (-not $File) { throw 'winci-install.ps1 deps FILE' }
        Invoke-Pip @('-c', 'C:\winci\constraints\upper-constraints.txt', '-r', $File)
    }
    'src' {
        # Trees (Glance) editable, as in the local backend; wheels replace releases.
        foreach ($item in Get-ChildItem -Path 'C:\winci\src') {
            Write-Output ('winci-install: installing {0}' -f $item.FullName)
            if ($item.PSIsContainer) {
                Invoke-Pip @('--no-deps', '-e', $item.FullName)
            }
            else {
                Invoke-Pip @('--no-deps', '--force-reinstall', $item.FullName)
            }
        }
    }
    'winci' {
        Invoke-Pip @('--no-deps', 'C:\winci\winci-src')
    }
}
