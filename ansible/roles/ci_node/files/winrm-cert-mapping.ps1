# WinRM certificate login: turns on certificate authentication of the WinRM service and
# maps the executor's client certificate (issuer thumbprint + UPN subject) to a local
# account. Reads both first (Get-Item WSMan:) and changes only what differs.
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][string] $Upn,
    [Parameter(Mandatory = $true)][string] $Issuer,
    [Parameter(Mandatory = $true)][string] $UserName,
    [Parameter(Mandatory = $true)][string] $Password
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$auth = Get-Item -Path WSMan:\localhost\Service\Auth\Certificate
$enabled = "$($auth.Value)" -eq 'true'
$mapping = @(Get-ChildItem -Path WSMan:\localhost\ClientCertificate -ErrorAction SilentlyContinue | Where-Object {
        $keys = @($_.Keys)
        ($keys -contains "Subject=$Upn") -and ($keys -contains "Issuer=$Issuer")
    })
$Ansible.Result = @{ certificate_auth = $enabled; mapping_found = $mapping.Count -gt 0 }
if (-not $enabled) {
    if ($PSCmdlet.ShouldProcess('WSMan:\localhost\Service\Auth\Certificate', 'enable')) {
        Set-Item -Path WSMan:\localhost\Service\Auth\Certificate -Value $true
    }
    $Ansible.Changed = $true
}
if ($mapping.Count -eq 0) {
    if ($PSCmdlet.ShouldProcess($Upn, 'map client certificate')) {
        $secure = ConvertTo-SecureString -String $Password -AsPlainText -Force
        $credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList $UserName, $secure
        $mapArgs = @{
            Path = 'WSMan:\localhost\ClientCertificate'
            Subject = $Upn
            URI = '*'
            Issuer = $Issuer
            Credential = $credential
            Force = $true
        }
        New-Item @mapArgs | Out-Null
    }
    $Ansible.Changed = $true
}
