# The first DataCompass command of a session, before anything has loaded SecretManagement: runbooks start so.
# Each case runs in a new pwsh that shares this process's HOME (so it sees the vaults registered here).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath
    $script:Vault = New-TestVault
    $script:Canary = New-Canary 'Fresh'
    Set-Secret -Name fresh-pg -Vault $script:Vault -Secret $script:Canary
    $script:DataDir = Join-Path $TestDrive 'data'
    $env:DATACOMPASS_DATA_DIR = $script:DataDir
    Add-DcSource -Name fresh -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = "`${secret:$($script:Vault)/fresh-pg}" }

    function Invoke-FreshSession([string] $Body) {
        Invoke-ChildPwsh -Environment @{ DATACOMPASS_DATA_DIR = $script:DataDir; DCT_MODULE = $script:DcModulePath; DCT_EXPECTED = $script:Canary } -Script (@'
Import-Module $env:DCT_MODULE
$loadedBefore = [bool](Get-Module Microsoft.PowerShell.SecretManagement)
'@ + "`n" + $Body)
    }
}

AfterAll {
    Remove-TestVault -Name $script:Vault
    Remove-Item env:DATACOMPASS_DATA_DIR -ErrorAction SilentlyContinue
}

Describe 'The first command of a session' -Tag 'Integration', 'Vault' {
    It 'resolves a vault reference with Get-DcSourceConnection, loading SecretManagement itself' {
        $run = Invoke-FreshSession @'
$connection = Get-DcSourceConnection fresh -ErrorAction Stop
"LOADED-BEFORE:$loadedBefore"
"MATCH:" + ($connection.Credential.GetNetworkCredential().Password -ceq $env:DCT_EXPECTED)
'@
        $run.Output | Should -Contain 'LOADED-BEFORE:False' -Because $run.Text
        $run.Output | Should -Contain 'MATCH:True' -Because $run.Text
    }

    It 'checks references with Test-DcSource -Quiet' {
        $run = Invoke-FreshSession @'
"QUIET:" + (Test-DcSource -Quiet)
'@
        $run.Output | Should -Contain 'QUIET:True' -Because $run.Text
    }

    It 'moves a literal secret to the named vault with Add-DcSource' {
        $run = Invoke-FreshSession (@'
Add-DcSource -Name fresh-literal -Type postgresql -Vault '{0}' -Connection @{{ host = 'h'; database = 'd'; username = 'u'; password = 'fresh-literal-value' }} -PassThru |
    ForEach-Object {{ "STORED:" + ($_.Fields | Where-Object Name -eq password).Value }}
'@ -f $script:Vault)
        $run.Output | Should -Contain "STORED:`${secret:$($script:Vault)/DataCompass-fresh-literal-password}" -Because $run.Text
        Get-Secret -Name DataCompass-fresh-literal-password -Vault $script:Vault -AsPlainText | Should -Be 'fresh-literal-value'
    }

    It 'shows no SecretManagement warning or error of its own, only the DataCompass error' {
        $run = Invoke-FreshSession @'
Get-DcSourceConnection fresh -Database (Join-Path $env:DATACOMPASS_DATA_DIR 'none.db') 2>&1 | Out-Null
Add-DcSource -Name gone -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${secret:NoSuchVault/x}' } -Database (Join-Path $env:DATACOMPASS_DATA_DIR 'other.db')
Get-DcSourceConnection gone -Database (Join-Path $env:DATACOMPASS_DATA_DIR 'other.db') *>&1 | ForEach-Object { "STREAM:$($_.GetType().Name):$_" }
"ERRORS:" + (@($Error | ForEach-Object { $_.FullyQualifiedErrorId }) -join ';')
'@
        $run.Text | Should -Not -BeLike '*WARNING*' -Because $run.Text
        # The error, and no connection for a source that did not resolve: nothing else.
        @($run.Output | Where-Object { $_ -like 'STREAM:*' } | ForEach-Object { ($_ -split ':')[1] }) | Should -Be @('ErrorRecord') -Because $run.Text
        ($run.Output | Where-Object { $_ -like 'ERRORS:*' }) | Should -Be ('ERRORS:{0};{1}' -f (Get-DcErrorId 'DcVaultNotFound' 'Get-DcSourceConnection'), (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSourceConnection'))
    }
}
