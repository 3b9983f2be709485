# DataCompass against a vault registered with the real Microsoft.PowerShell.SecretStore.
# Runs where SecretStore is installed (the Real lane of build.ps1); elsewhere every test here is reported skipped.
# Each test runs in a child pwsh with a HOME of its own: SecretStore keeps its store and configuration there.

BeforeDiscovery {
    $HasSecretStore = [bool](Get-Module -ListAvailable -Name Microsoft.PowerShell.SecretStore)
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    $script:StorePassword = 'store-pw-' + [guid]::NewGuid().ToString('n')

    function Invoke-StoreChild {
        <#
        .SYNOPSIS
            Runs $Body in a child pwsh after a SecretStore vault 'Store' is registered as the default vault in a
            private HOME. Authentication None, or Password with -PasswordTimeout when -Timeout is given.
            The child writes 'RESULT <json>' lines; they come back parsed in .Results, in order.
        #>
        param([Parameter(Mandatory)] [string] $Body, [int] $Timeout = 0, [string] $WorkFolder, [hashtable] $Environment = @{})
        $auth = if ($Timeout -gt 0) {
            "Set-SecretStoreConfiguration -Scope CurrentUser -Authentication Password -PasswordTimeout $Timeout -Interaction None -Password `$storePassword -Confirm:`$false"
        } else {
            "Set-SecretStoreConfiguration -Scope CurrentUser -Authentication None -Interaction None -Password `$storePassword -Confirm:`$false"
        }
        $script = @"
`$ErrorActionPreference = 'Stop'
`$storePassword = ConvertTo-SecureString '$script:StorePassword' -AsPlainText -Force
Import-Module Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore
$auth
Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault
Import-Module '$script:DcModulePath'
`$db = Join-Path '$WorkFolder' 'catalog.db'
function Out-Result(`$Value) { 'RESULT ' + (ConvertTo-Json -InputObject `$Value -Depth 5 -Compress) }
$Body
"@
        $childHome = Join-Path $WorkFolder 'home'
        New-Item -ItemType Directory -Force $childHome | Out-Null
        $environment = @{ HOME = $childHome; DATACOMPASS_DATA_DIR = (Join-Path $WorkFolder 'data') } + $Environment
        $run = Invoke-ChildPwsh -Script $script -Environment $environment
        $results = @($run.Output | Where-Object { $_ -like 'RESULT *' } | ForEach-Object { $_.Substring(7) | ConvertFrom-Json })
        $run | Add-Member -NotePropertyName Results -NotePropertyValue $results -PassThru
    }

    function Get-CatalogFiles([string] $WorkFolder) {
        Get-ChildItem -Path $WorkFolder -Recurse -File -Force | Where-Object { $_.FullName -notlike '*/home/*' } | ForEach-Object FullName
    }
}

Describe 'SecretStore with Authentication None' -Skip:(-not $HasSecretStore) {
    BeforeEach {
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('dc-store-' + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Force $script:Work | Out-Null
    }
    AfterEach { Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue }

    It 'adds a literal into the store, resolves it, rotates it, removes it with its secret, and leaks nothing' {
        $first = New-Canary 'StoreFirst'
        $second = New-Canary 'StoreSecond'
        $transcript = Join-Path $script:Work 'transcript.txt'
        $streams = Join-Path $script:Work 'streams.txt'
        # The canaries reach the child through its environment: a transcript records each command's text.
        $run = Invoke-StoreChild -WorkFolder $script:Work -Environment @{ DC_TEST_FIRST = $first; DC_TEST_SECOND = $second } -Body @"
Start-Transcript -Path '$transcript' | Out-Null
`$VerbosePreference = 'Continue'; `$DebugPreference = 'Continue'; `$InformationPreference = 'Continue'; `$WarningPreference = 'Continue'
`$all = & {
    Add-DcSource -Database `$db -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = `$env:DC_TEST_FIRST }
    Get-DcSource -Database `$db pg | Format-List * | Out-String
    Test-DcSource -Database `$db pg | Format-List * | Out-String
} *>&1 | Out-String
`$stored = (Get-DcSource -Database `$db pg).Fields | Where-Object Name -eq password | ForEach-Object Value
Out-Result @{ Step = 'added'; Stored = "`$stored"; Names = @(Get-SecretInfo -Vault Store | ForEach-Object Name) }
Out-Result @{ Step = 'resolved'; Matches = ((Get-DcSourceConnection -Database `$db pg -AsPlainText).Settings['password'] -ceq `$env:DC_TEST_FIRST); Quiet = (Test-DcSource -Database `$db pg -Quiet) }
`$all += Set-DcSourceSecret -Database `$db -Name pg -Field password -Secret (ConvertTo-SecureString `$env:DC_TEST_SECOND -AsPlainText -Force) *>&1 | Out-String
Out-Result @{ Step = 'rotated'; Matches = ((Get-DcSourceConnection -Database `$db pg -AsPlainText).Settings['password'] -ceq `$env:DC_TEST_SECOND) }
`$all += Remove-DcSource -Database `$db -Name pg -RemoveSecret -Confirm:`$false *>&1 | Out-String
Out-Result @{ Step = 'removed'; Names = @(Get-SecretInfo -Vault Store | ForEach-Object Name); Sources = @(Get-DcSource -Database `$db).Count }
`$all += (`$Error | ForEach-Object { "`$_"; `$_.Exception.ToString() }) -join [Environment]::NewLine
Set-Content -Path '$streams' -Value `$all
Stop-Transcript | Out-Null
"@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $added, $resolved, $rotated, $removed = $run.Results
        $added.Stored | Should -Match '^\$\{secret:Store/DataCompass-pg-password.*\}$'
        $added.Names | Should -HaveCount 1
        $resolved.Matches | Should -BeTrue
        $resolved.Quiet | Should -BeTrue
        $rotated.Matches | Should -BeTrue
        $removed.Names | Should -HaveCount 0
        $removed.Sources | Should -Be 0
        # Positive control: the sweep finds a canary in a file known to hold it.
        $control = Join-Path $script:Work 'control.txt'
        Set-Content -Path $control -Value "password=$first"
        Find-Canary -Path $control -Canaries @{ first = $first } | Should -Not -BeNullOrEmpty
        Remove-Item $control
        $files = @(Get-CatalogFiles $script:Work)
        $files | Should -Contain $streams
        $files | Should -Contain $transcript
        Find-Canary -Path $files -Canaries @{ first = $first; second = $second } | Should -BeNullOrEmpty
        $run.Text | Should -Not -Match ($first -split '-')[-1]
    }

    It 'converts a plaintext catalog into the store, and a second run finds nothing left' {
        $canary = New-Canary 'StorePlain'
        $run = Invoke-StoreChild -WorkFolder $script:Work -Body @"
Unregister-SecretVault -Name Store
Add-DcSource -Database `$db -Name legacy -Type postgresql -AllowPlaintext -WarningAction SilentlyContinue -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '$canary' }
Out-Result @{ Step = 'plain'; Stored = ((Get-DcSource -Database `$db legacy).Fields | Where-Object Name -eq password).Provenance.ToString() }
Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault
`$converted = @(Convert-DcSourceSecret -Database `$db -Vault Store -Confirm:`$false)
Out-Result @{ Step = 'converted'; Status = @(`$converted | ForEach-Object { "`$(`$_.Status)" }); Password = (Get-DcSourceConnection -Database `$db legacy -AsPlainText).Settings['password'] }
`$again = @(Convert-DcSourceSecret -Database `$db -Vault Store -Confirm:`$false | Where-Object { "`$(`$_.Status)" -eq 'Converted' })
Out-Result @{ Step = 'again'; Count = `$again.Count; Again = @(`$again | ForEach-Object { "`$(`$_.Name) `$(`$_.Field) `$(`$_.Status)" }); Secrets = @(Get-SecretInfo -Vault Store).Count }
"@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $plain, $converted, $again = $run.Results
        $plain.Stored | Should -Be 'Plaintext'
        $converted.Status | Should -Contain 'Converted'
        $converted.Password | Should -Be $canary
        $again.Count | Should -Be 0 -Because ($again.Again -join '; ')
        $again.Secrets | Should -Be 1
        $files = @(Get-CatalogFiles $script:Work)
        $files | Should -Not -BeNullOrEmpty
        Find-Canary -Path $files -Canaries @{ plain = $canary } | Should -BeNullOrEmpty
    }
}

Describe 'SecretStore with Authentication Password, after the password timeout' -Skip:(-not $HasSecretStore) {
    BeforeAll {
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('dc-store-locked-' + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Force $script:Work | Out-Null
        $script:Canary = New-Canary 'StoreLocked'
        $script:Rotated = New-Canary 'StoreLockedNew'
        $script:Plain = New-Canary 'StoreLockedPlain'
        # One child walks the whole locked/unlocked story: SecretStore's lock state is per process.
        $script:Run = Invoke-StoreChild -WorkFolder $script:Work -Timeout 2 -Body @"
`$ErrorActionPreference = 'Continue'
function Snapshot { @(Get-DcSource -Database `$db | ForEach-Object { `$_.Name; `$_.Fields | ForEach-Object { "`$(`$_.Name)=`$(`$_.Value)" } }) -join ',' }
function Attempt([string] `$Label, [scriptblock] `$Action) {
    `$Error.Clear()
    `$before = Snapshot
    `$out = @(try { & `$Action 2>`$null } catch { })
    `$ids = @(`$Error | ForEach-Object { `$_.FullyQualifiedErrorId })
    `$messages = @(`$Error | ForEach-Object { "`$_" })
    `$statuses = @(`$out | Where-Object { `$_.PSObject.Properties['Status'] } | ForEach-Object { "`$(`$_.Status)" })
    `$details = @(`$out | Where-Object { `$_.PSObject.Properties['Message'] } | ForEach-Object { "`$(`$_.Message)" })
    Out-Result @{ Label = `$Label; Ids = `$ids; Messages = `$messages + `$details; Statuses = `$statuses; Output = `$out.Count; Unchanged = ((Snapshot) -eq `$before) }
}
Unlock-SecretStore -Password `$storePassword
Add-DcSource -Database `$db -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '$script:Canary' }
Unregister-SecretVault -Name Store
Add-DcSource -Database `$db -Name legacy -Type postgresql -AllowPlaintext -WarningAction SilentlyContinue -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '$script:Plain' }
Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault
Start-Sleep -Seconds 4
Attempt 'Get-DcSourceConnection' { Get-DcSourceConnection -Database `$db pg -AsPlainText }
Attempt 'Test-DcSource' { Test-DcSource -Database `$db pg }
Attempt 'Test-DcSource -Quiet' { if (Test-DcSource -Database `$db pg -Quiet) { 'ok' } }
Attempt 'Add-DcSource' { Add-DcSource -Database `$db -Name second -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'x' } }
Attempt 'Set-DcSourceSecret' { Set-DcSourceSecret -Database `$db -Name pg -Field password -Secret (ConvertTo-SecureString '$script:Rotated' -AsPlainText -Force) }
Attempt 'Convert-DcSourceSecret' { Convert-DcSourceSecret -Database `$db -Vault Store -Confirm:`$false }
Attempt 'Remove-DcSource -RemoveSecret' { Remove-DcSource -Database `$db -Name pg -RemoveSecret -Confirm:`$false }
Unlock-SecretStore -Password `$storePassword
Out-Result @{ Label = 'unlocked'; Password = (Get-DcSourceConnection -Database `$db pg -AsPlainText).Settings['password']; Quiet = (Test-DcSource -Database `$db pg -Quiet) }
Set-DcSourceSecret -Database `$db -Name pg -Field password -Secret (ConvertTo-SecureString '$script:Rotated' -AsPlainText -Force)
`$converted = @(Convert-DcSourceSecret -Database `$db -Vault Store -Confirm:`$false | Where-Object { "`$(`$_.Status)" -eq 'Converted' })
Out-Result @{ Label = 'after unlock'; Password = (Get-DcSourceConnection -Database `$db pg -AsPlainText).Settings['password']; Converted = `$converted.Count; Legacy = (Get-DcSourceConnection -Database `$db legacy -AsPlainText).Settings['password'] }
Remove-DcSource -Database `$db -Name pg -RemoveSecret -Confirm:`$false
Out-Result @{ Label = 'removed'; Names = @(Get-SecretInfo -Vault Store | ForEach-Object Name) }
"@
        $script:ByLabel = @{}
        foreach ($result in $script:Run.Results) { $script:ByLabel[$result.Label] = $result }
    }
    AfterAll { Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue }

    It 'runs to the end' {
        $script:Run.ExitCode | Should -Be 0 -Because $script:Run.Text
        $script:ByLabel.Keys | Should -Contain 'removed'
    }

    It 'Test-DcSource reports the reference VaultLocked with the unlock hint' {
        $result = $script:ByLabel['Test-DcSource']
        $result.Statuses | Should -Be 'VaultLocked' -Because ($result.Messages -join '; ')
        ($result.Messages -join ' ') | Should -Match 'Unlock-SecretVault'
    }

    It '<_> ends with DcVaultLocked and the unlock hint, and leaves the catalog as it was' -ForEach @(
        'Get-DcSourceConnection', 'Add-DcSource', 'Set-DcSourceSecret', 'Convert-DcSourceSecret', 'Remove-DcSource -RemoveSecret') {
        $result = $script:ByLabel[$_]
        $result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $result.Ids | Should -Match '^DcVaultLocked,' -Because ($result.Messages -join '; ')
        ($result.Messages -join ' ') | Should -Match 'Unlock-SecretVault'
        $result.Unchanged | Should -BeTrue
    }

    It 'Test-DcSource -Quiet is false while the vault is locked' {
        $script:ByLabel['Test-DcSource -Quiet'].Output | Should -Be 0
    }

    It 'works again after Unlock-SecretVault: resolve, rotate, a converging conversion, removal' {
        $script:ByLabel['unlocked'].Password | Should -Be $script:Canary -Because $script:Run.Text
        $script:ByLabel['unlocked'].Quiet | Should -BeTrue
        $after = $script:ByLabel['after unlock']
        $after.Password | Should -Be $script:Rotated
        $after.Converted | Should -Be 1
        $after.Legacy | Should -Be $script:Plain
        # pg's own secret is gone; legacy's, created by the conversion, stays with legacy.
        $script:ByLabel['removed'].Names | Should -Be 'DataCompass-legacy-password'
    }

    It 'leaves no secret in the catalog files or in the output' {
        $files = @(Get-CatalogFiles $script:Work)
        Find-Canary -Path $files -Canaries @{ first = $script:Canary; rotated = $script:Rotated; plain = $script:Plain } | Should -BeNullOrEmpty
        $outputWithoutResults = ($script:Run.Output | Where-Object { $_ -notlike 'RESULT *' }) -join "`n"
        foreach ($canary in $script:Canary, $script:Rotated, $script:Plain) {
            $outputWithoutResults | Should -Not -Match ($canary -split '-')[-1]
        }
    }
}
