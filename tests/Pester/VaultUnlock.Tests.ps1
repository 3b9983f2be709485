#Requires -Version 7.4
# Config vault_unlock, seen as a scheduled job sees it: a fresh pwsh -NonInteractive with stdin closed and a time
# limit (a prompt would fail the test, not hang it), against a test vault that stays locked until Unlock-SecretVault
# gets its password. The store password is a canary, searched for in everything the job printed, $Error included.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_DATABASE_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    Set-TestVariable DATACOMPASS_DATABASE_KEY $null

    $script:StorePassword = New-Canary 'store pw'
    $script:DbPassword = New-Canary 'db pw'
    $script:Vault = New-TestVault -Prefix DcTestLocked -Behaviour @{ Locked = $true; Password = $script:StorePassword }
    $script:DataDir = Join-Path $TestDrive 'data'
    $env:DATACOMPASS_DATA_DIR = $script:DataDir
    Unlock-SecretVault -Name $script:Vault -Password (ConvertTo-SecureString $script:StorePassword -AsPlainText -Force)
    Set-Secret -Vault $script:Vault -Name pg-a -Secret $script:DbPassword
    Set-Secret -Vault $script:Vault -Name pg-b -Secret $script:DbPassword
    foreach ($name in 'a', 'b') {
        Add-DcSource -Name $name -Type postgresql -Connection @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = "`${secret:$($script:Vault)/pg-$name}" } -ErrorAction Stop
    }

    function Lock-Vault {
        Get-ChildItem -Path (Get-TestVaultFolder $script:Vault) -Filter '*.unlocked' | Remove-Item
        Clear-TestVaultCall $script:Vault
    }

    function Invoke-Job([hashtable] $Environment = @{}) {
        $jobEnvironment = @{ DATACOMPASS_DATA_DIR = $script:DataDir; DCTEST_MODULE = $script:DcModulePath }
        foreach ($key in $Environment.Keys) { $jobEnvironment[$key] = $Environment[$key] }
        $run = Invoke-Runbook -TimeoutSeconds 90 -Environment $jobEnvironment -Script @'
Import-Module $env:DCTEST_MODULE
$connections = @(Get-DcSourceConnection -Name a, b -ErrorAction Continue 2>&1)
foreach ($item in $connections) {
    if ($item -is [System.Management.Automation.ErrorRecord]) { "ERROR: $($item.FullyQualifiedErrorId) | $($item.Exception.Message)" }
    else { "RESOLVED: $($item.Name) $([Net.NetworkCredential]::new('', $item.Credential.Password).Password -eq $env:DCTEST_EXPECTED)" }
}
"ERRORS: $($Error | Out-String)"
'@
        $run.TimedOut | Should -BeFalse -Because "a job never waits for a prompt: $($run.Text)"
        $run.Text | Should -Not -BeLike "*$($script:StorePassword)*"
        $run.Text | Should -Not -BeLike "*$($script:DbPassword)*"
        $run
    }
}

AfterAll {
    Remove-TestVault -Name $script:Vault
    Restore-TestEnvironment
}

Describe 'A scheduled job and a locked vault' {
    BeforeEach {
        Lock-Vault
        Remove-Item (Join-Path $script:DataDir 'config.yaml') -ErrorAction Ignore
    }

    It 'fails fast without vault_unlock: DcVaultLocked, naming vault_unlock as the way out' {
        $run = Invoke-Job -Environment @{ DCTEST_EXPECTED = $script:DbPassword }
        $run.Text | Should -BeLike "*ERROR: DcVaultLocked,*The vault '$($script:Vault)' is locked*Set-DcConfig -VaultUnlock*"
        $run.Text | Should -Not -BeLike '*RESOLVED:*'
    }

    It 'unlocks the vault once a command with the password in ${VARIABLE}, and resolves every source' {
        Set-DcConfig -VaultUnlock @{ $script:Vault = '${DCT_STORE_PW}' } -ErrorAction Stop
        (Get-DcConfig).VaultUnlock[$script:Vault] | Should -BeExactly '${DCT_STORE_PW}'
        $run = Invoke-Job -Environment @{ DCT_STORE_PW = $script:StorePassword; DCTEST_EXPECTED = $script:DbPassword }
        $run.Text | Should -BeLike '*RESOLVED: a True*RESOLVED: b True*' -Because $run.Text
        @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Unlock-SecretVault*' }).Count | Should -Be 1
        Get-Content -Raw (Join-Path $script:DataDir 'config.yaml') | Should -Not -BeLike "*$($script:StorePassword)*"
    }

    It 'unlocks for the commands that test the vault first (Test-DcSource), not only for reads' {
        Set-DcConfig -VaultUnlock @{ $script:Vault = '${DCT_STORE_PW}' } -ErrorAction Stop
        $run = Invoke-Runbook -TimeoutSeconds 90 -Environment @{ DATACOMPASS_DATA_DIR = $script:DataDir; DCTEST_MODULE = $script:DcModulePath; DCT_STORE_PW = $script:StorePassword } -Script @'
Import-Module $env:DCTEST_MODULE
"QUIET: $(Test-DcSource -Quiet)"
Test-DcSource | ForEach-Object { "STATUS: $($_.Source) $($_.Status)" }
'@
        $run.TimedOut | Should -BeFalse -Because $run.Text
        $run.Text | Should -BeLike '*QUIET: True*STATUS: a Ok*STATUS: b Ok*' -Because $run.Text
        $run.Text | Should -Not -BeLike "*$($script:StorePassword)*"
    }

    It 'reads the password from a file only its owner may read, and refuses one that others may read, unread' -Skip:$IsWindows {
        $file = Join-Path $TestDrive 'store.pw'
        Set-Content -Path $file -Value $script:StorePassword
        chmod 600 $file
        Set-DcConfig -VaultUnlock @{ $script:Vault = $file } -ErrorAction Stop
        (Invoke-Job -Environment @{ DCTEST_EXPECTED = $script:DbPassword }).Text | Should -BeLike '*RESOLVED: a True*RESOLVED: b True*'

        Lock-Vault
        chmod 644 $file
        $run = Invoke-Job -Environment @{ DCTEST_EXPECTED = $script:DbPassword }
        $run.Text | Should -BeLike "*ERROR: DcVaultUnlockFailed,*the file '$file', which others may read (mode 644)*chmod 600*"
        @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Unlock-SecretVault*' }).Count | Should -Be 0
    }

    It 'reports a password the vault refuses as DcVaultUnlockFailed, naming the variable and neither password' {
        $wrong = New-Canary 'wrong store pw'
        Set-DcConfig -VaultUnlock @{ $script:Vault = '${DCT_STORE_PW}' } -ErrorAction Stop
        $run = Invoke-Job -Environment @{ DCT_STORE_PW = $wrong; DCTEST_EXPECTED = $script:DbPassword }
        $run.Text | Should -BeLike "*ERROR: DcVaultUnlockFailed,*The vault '$($script:Vault)' is locked, and unlocking it with the password from `${DCT_STORE_PW} (config vault_unlock) failed*"
        $run.Text | Should -Not -BeLike "*$wrong*"
        @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Unlock-SecretVault*' }).Count | Should -Be 1
    }

    It 'leaves neither the store password nor the database password in the catalog''s files or the config' {
        Set-DcConfig -VaultUnlock @{ $script:Vault = '${DCT_STORE_PW}' } -ErrorAction Stop
        (Invoke-Job -Environment @{ DCT_STORE_PW = $script:StorePassword; DCTEST_EXPECTED = $script:DbPassword }).Text | Should -BeLike '*RESOLVED: a True*'
        $files = @(Get-ChildItem -Path $script:DataDir -Recurse -File -Force | ForEach-Object FullName)
        $files | Should -Contain (Join-Path $script:DataDir 'datacompass.db')
        @(Find-Canary -Path $files -Canaries @{ Store = $script:StorePassword; Db = $script:DbPassword }) | Should -BeNullOrEmpty
    }

    It 'refuses a password written into -VaultUnlock itself, without echoing it, and leaves the config as it was' {
        Set-DcConfig -SecretNameTemplate 'dc-{source}-{field}'
        $before = Get-Content -Raw (Join-Path $script:DataDir 'config.yaml')
        $typed = New-Canary 'typed pw'
        $failure = { Set-DcConfig -VaultUnlock @{ $script:Vault = $typed } -ErrorAction Stop } | Should -Throw -ErrorId 'DcConfigInvalid,DataCompass.Commands.SetDcConfigCommand' -PassThru
        $failure.Exception.Message | Should -BeLike "*-VaultUnlock entry '$($script:Vault)' must be `${VARIABLE} or the path of a file*"
        $failure.Exception.Message | Should -Not -BeLike "*$typed*"
        Get-Content -Raw (Join-Path $script:DataDir 'config.yaml') | Should -BeExactly $before
    }
}
