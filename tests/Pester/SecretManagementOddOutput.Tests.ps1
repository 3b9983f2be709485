# A SecretManagement whose Get-Secret writes more than one object for one secret (a broken proxy or vault
# extension). Neither the real module nor the stand-in does that, so the child pwsh gets a minimal module of that
# name, first on its module path, whose Get-Secret writes two values.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:DataDir = Join-Path $TestDrive 'data'
    $fake = Join-Path $TestDrive 'modules/Microsoft.PowerShell.SecretManagement'
    New-Item -ItemType Directory -Path $fake -Force | Out-Null
    Set-Content -LiteralPath (Join-Path $fake 'Microsoft.PowerShell.SecretManagement.psm1') -Value @'
function Get-SecretVault { [pscustomobject]@{ Name = 'Odd'; ModuleName = 'Odd.Vault'; IsDefault = $true } }
function Test-SecretVault { param([string[]] $Name) $true }
function Get-SecretInfo { param([string] $Name, [string] $Vault) [pscustomobject]@{ Name = $Name; Type = 'String'; VaultName = 'Odd' } }
function Get-Secret { param([string] $Name, [string] $Vault, [switch] $AsPlainText) 'canary-odd-first'; 'canary-odd-second' }
function Set-Secret { param([string] $Name, [string] $Vault, $Secret) }
function Remove-Secret { param([string] $Name, [string] $Vault) }
'@
    $script:Run = Invoke-ChildPwsh -Environment @{
        PSModulePath = (Join-Path $TestDrive 'modules') + [IO.Path]::PathSeparator + $env:PSModulePath
        DATACOMPASS_DATA_DIR = $script:DataDir; DCT_MODULE = $script:DcModulePath
    } -Script @'
Import-Module $env:DCT_MODULE
Import-Module Microsoft.PowerShell.SecretManagement
Add-DcSource -Name two -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${secret:Odd/pg}' }
$connection = @(Get-DcSourceConnection two -AsPlainText -ErrorVariable connectionErrors -ErrorAction SilentlyContinue)
[pscustomobject]@{
    Module      = (Get-Module Microsoft.PowerShell.SecretManagement).Path
    Emitted     = $connection.Count
    Ids         = @($connectionErrors.FullyQualifiedErrorId)
    Messages    = @($connectionErrors | ForEach-Object { $_.Exception.Message })
    Everything  = (@($Error | ForEach-Object { "$_ $($_.TargetObject) $($_.Exception)" }) -join "`n")
} | ConvertTo-Json -Compress
'@
    $script:Result = $script:Run.Output | Where-Object { $_ -like '{*' } | Select-Object -Last 1 | ConvertFrom-Json
}

Describe 'A Get-Secret that writes two values' -Tag 'Integration' {
    It 'ran against the module that writes two values' {
        $script:Result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $script:Result.Module | Should -BeLike "$TestDrive*"
    }

    It 'is DcVaultFailed naming the vault and the secret, and no connection is emitted' {
        $script:Result.Emitted | Should -Be 0
        $script:Result.Ids | Should -Be @((Get-DcErrorId 'DcVaultFailed' 'Get-DcSourceConnection'))
        $script:Result.Messages[0] | Should -BeLike "*'Odd'*"
        $script:Result.Messages[0] | Should -BeLike "*'pg'*"
        $script:Result.Messages[0] | Should -BeLike '*2 values*'
    }

    It 'shows neither value anywhere' {
        $script:Run.Text | Should -Not -BeLike '*canary-odd*'
        $script:Result.Everything | Should -Not -BeLike '*canary-odd*'
    }
}
