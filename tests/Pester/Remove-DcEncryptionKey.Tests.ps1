#Requires -Version 7.4
# Remove-DcEncryptionKey (DESIGN.md, "The source lifecycle"): a retired key leaves the key ring where the ring lives
# (key file or vault secret), and only when no encrypted value in the catalog needs it. The primary key and a ring in
# $env:DATACOMPASS_ENCRYPTION_KEY are never changed; -Force skips the prompt, never a refusal. Key files are read with
# plain file reads and ids computed independently (EncryptionHelpers.ps1), not through DataCompass.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()

    function Get-KeyFileIds([string] $Path = $script:KeyFile) {
        # The ids of the key file's keys, primary first.
        @(([IO.File]::ReadAllText($Path)) -split '[,\r\n]' | ForEach-Object Trim | Where-Object { $_ } | ForEach-Object { Get-FernetKeyId $_ })
    }

    function Add-EncryptedSource([string] $Name, [string] $Password) {
        Add-DcSource -Name $Name -Type postgresql -Encrypt -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $Password }
    }

    function Get-ErrorRecord([scriptblock] $Script) {
        try { & $Script; $null } catch { $_ }
    }

    function Get-RemoveKeyEvents {
        @(Invoke-RawSql -Database $script:Database -ReadOnly -Sql "SELECT * FROM dc_audit_events WHERE action = 'remove-key' ORDER BY id" |
                ForEach-Object { $_ | Add-Member -NotePropertyName Context -NotePropertyValue ($_.context | ConvertFrom-Json -AsHashtable) -Force -PassThru })
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'Remove-DcEncryptionKey' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
        $script:KeyFile = Join-Path $script:DataDir 'key'
        $script:Database = Join-Path $script:DataDir 'datacompass.db'
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
    }

    Context 'a key file' {
        It 'removes a retired key, keeps the others in order and 0600, and returns ids only' {
            $old = New-DcEncryptionKey -ErrorAction Stop
            $middle = New-DcEncryptionKey -ErrorAction Stop
            $primary = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'keep'
            Add-EncryptedSource 'pg' $canary
            $ringText = [IO.File]::ReadAllText($script:KeyFile)

            $text = Get-StreamText { $script:result = Remove-DcEncryptionKey -KeyId $middle.KeyId -Confirm:$false -ErrorAction Stop }

            $script:result | Should -BeOfType 'DataCompass.DcEncryptionKeyRemoval'
            $script:result.RemovedKeyIds | Should -Be @($middle.KeyId)
            $script:result.RemainingKeyIds | Should -Be @($primary.KeyId, $old.KeyId)
            $script:result.PrimaryKeyId | Should -Be $primary.KeyId
            $script:result.Location | Should -Be $script:KeyFile
            $script:result.Database | Should -Be $script:Database
            Get-KeyFileIds | Should -Be @($primary.KeyId, $old.KeyId)
            if (-not $IsWindows) { (Get-Item -LiteralPath $script:KeyFile).UnixMode | Should -BeExactly '-rw-------' }
            (Get-DcSourceConnection pg -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
            foreach ($key in $ringText -split ',') { $text.Contains($key.Trim()) | Should -BeFalse -Because 'no key reaches any stream' }
        }

        It 'refuses a key a value still needs, also with -Force, naming the source and field, and changes nothing' {
            $old = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'inuse'
            Add-EncryptedSource 'pg-a' $canary
            Add-EncryptedSource 'pg-b' "$canary-b"
            $null = New-DcEncryptionKey -ErrorAction Stop
            $before = Get-ContentSnapshot $script:DataDir

            foreach ($force in $false, $true) {
                $record = Get-ErrorRecord { Remove-DcEncryptionKey -KeyId $old.KeyId -Force:$force -Confirm:$false -ErrorAction Stop }
                $record | Should -Not -BeNullOrEmpty -Because "the key is in use (-Force:$force)"
                $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyInUse' 'Remove-DcEncryptionKey')
                "$($record.CategoryInfo.Category)" | Should -Be 'InvalidOperation'
                $record.TargetObject | Should -Be $old.KeyId
                $record.Exception.Message | Should -BeLike "*$($old.KeyId)*2 encrypted values*source 'pg-a', field 'password'; source 'pg-b', field 'password'*Update-DcEncryptionKey*"
                Assert-NoValue $record @($canary, [IO.File]::ReadAllText($script:KeyFile).Trim() -split ',')
            }
            Get-ContentSnapshot $script:DataDir | Should -Be $before
            Get-RemoveKeyEvents | Should -BeNullOrEmpty
        }

        It 'removes the old key once Update-DcEncryptionKey has moved every value off it' {
            $old = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'rotated'
            Add-EncryptedSource 'pg' $canary
            $new = New-DcEncryptionKey -ErrorAction Stop
            { Remove-DcEncryptionKey -KeyId $old.KeyId -Force -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcEncryptionKeyInUse' 'Remove-DcEncryptionKey')

            $null = Update-DcEncryptionKey -Confirm:$false -ErrorAction Stop
            $result = Remove-DcEncryptionKey -KeyId $old.KeyId -Force -ErrorAction Stop

            $result.RemainingKeyIds | Should -Be @($new.KeyId)
            Get-KeyFileIds | Should -Be @($new.KeyId)
            (Read-EncryptedValue (Get-StoredField -Database $script:Database -Source pg -Field password)).KeyId | Should -Be $new.KeyId
            (Get-DcSourceConnection pg -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        }

        It 'refuses the primary key, also when it is the only one' {
            Add-DcSource -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' } -ErrorAction Stop
            $old = New-DcEncryptionKey -ErrorAction Stop
            $record = Get-ErrorRecord { Remove-DcEncryptionKey -KeyId $old.KeyId -Force -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyIsPrimary' 'Remove-DcEncryptionKey')
            $record.Exception.Message | Should -BeLike '*only key*New-DcEncryptionKey*Update-DcEncryptionKey*'

            $primary = New-DcEncryptionKey -ErrorAction Stop
            $record = Get-ErrorRecord { Remove-DcEncryptionKey -KeyId $primary.KeyId -Force -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyIsPrimary' 'Remove-DcEncryptionKey')
            $record.Exception.Message | Should -BeLike "*$($primary.KeyId) is the primary key*"
            Get-KeyFileIds | Should -Be @($primary.KeyId, $old.KeyId)
        }

        It 'names an unknown key id with the ids the ring holds, and never repeats a key given in place of an id' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' } -ErrorAction Stop
            $b = New-DcEncryptionKey -ErrorAction Stop
            $record = Get-ErrorRecord { Remove-DcEncryptionKey -KeyId 0123abcd -Force -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyNotFound' 'Remove-DcEncryptionKey')
            "$($record.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $record.Exception.Message | Should -BeLike "*0123abcd*$($b.KeyId), $($a.KeyId)*"

            $key = @([IO.File]::ReadAllText($script:KeyFile).Trim() -split ',')[1]
            $text = Get-StreamText { Remove-DcEncryptionKey -KeyId $key -Force -ErrorAction SilentlyContinue }
            $text | Should -BeLike "*a key itself, not its id (key $($a.KeyId))*" -Because 'positive control: the refusal is there'
            $text.Contains($key) | Should -BeFalse
            Get-KeyFileIds | Should -Be @($b.KeyId, $a.KeyId)
        }

        It 'removes what may go and reports the rest, one error per key' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-EncryptedSource 'pg' 'x'
            $b = New-DcEncryptionKey -ErrorAction Stop
            $c = New-DcEncryptionKey -ErrorAction Stop
            $d = New-DcEncryptionKey -ErrorAction Stop

            $result = Remove-DcEncryptionKey -KeyId $a.KeyId, $b.KeyId, $d.KeyId, $c.KeyId -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue

            $result.RemovedKeyIds | Should -Be @($b.KeyId, $c.KeyId)
            @($problems.FullyQualifiedErrorId) | Should -Be @(
                (Get-DcErrorId 'DcEncryptionKeyInUse' 'Remove-DcEncryptionKey'), (Get-DcErrorId 'DcEncryptionKeyIsPrimary' 'Remove-DcEncryptionKey'))
            Get-KeyFileIds | Should -Be @($d.KeyId, $a.KeyId)
            @(Get-RemoveKeyEvents).Context.key_id | Should -Be @($b.KeyId, $c.KeyId)
        }

        It 'takes the retired keys from Get-DcEncryptionStatus on the pipeline' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' } -ErrorAction Stop
            $b = New-DcEncryptionKey -ErrorAction Stop
            $c = New-DcEncryptionKey -ErrorAction Stop

            $result = Get-DcEncryptionStatus | Where-Object { $_.Role -eq 'Secondary' -and $_.Values -eq 0 } | Remove-DcEncryptionKey -Force -ErrorAction Stop

            @($result).Count | Should -Be 1
            $result.RemovedKeyIds | Should -Be @($b.KeyId, $a.KeyId)
            Get-KeyFileIds | Should -Be @($c.KeyId)
        }

        It 'changes nothing with -WhatIf, and returns nothing' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' } -ErrorAction Stop
            $null = New-DcEncryptionKey -ErrorAction Stop
            $before = Get-ContentSnapshot $script:DataDir

            Remove-DcEncryptionKey -KeyId $a.KeyId -WhatIf | Should -BeNullOrEmpty
            Remove-DcEncryptionKey -KeyId $a.KeyId -Force -WhatIf | Should -BeNullOrEmpty

            Get-ContentSnapshot $script:DataDir | Should -Be $before
            Get-RemoveKeyEvents | Should -BeNullOrEmpty
        }

        It 'asks first (ConfirmImpact High): a non-interactive run fails without -Force and succeeds with it' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' } -ErrorAction Stop
            $b = New-DcEncryptionKey -ErrorAction Stop
            $module = (Resolve-Path $script:DcModulePath).Path

            $asked = Invoke-Runbook -Environment @{ DATACOMPASS_DATA_DIR = $script:DataDir } -Script "Import-Module '$module'; Remove-DcEncryptionKey -KeyId $($a.KeyId); 'went on'"
            $asked.TimedOut | Should -BeFalse
            Get-KeyFileIds | Should -Be @($b.KeyId, $a.KeyId) -Because 'a prompt that cannot be answered removes nothing'

            $forced = Invoke-Runbook -Environment @{ DATACOMPASS_DATA_DIR = $script:DataDir } -Script "Import-Module '$module'; Remove-DcEncryptionKey -KeyId $($a.KeyId) -Force -ErrorAction Stop | Out-Null; 'removed'"
            $forced.Text | Should -BeLike '*removed*'
            Get-KeyFileIds | Should -Be @($b.KeyId)
        }

        It 'records one remove-key event per key, with its id, the ring''s location and the ids left' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name pg -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' } -ErrorAction Stop
            $b = New-DcEncryptionKey -ErrorAction Stop
            $null = Remove-DcEncryptionKey -KeyId $a.KeyId -Confirm:$false -ErrorAction Stop

            $events = @(Get-RemoveKeyEvents)
            $events.Count | Should -Be 1
            $events[0].Context.key_id | Should -Be $a.KeyId
            $events[0].Context.location | Should -Be $script:KeyFile
            @($events[0].Context.remaining_key_ids) | Should -Be @($b.KeyId)
            $events[0].Context.command | Should -Be 'Remove-DcEncryptionKey'
            $events[0].source_name | Should -BeNullOrEmpty
            (Get-DcAuditEvent -Action remove-key).Details.key_id | Should -Be $a.KeyId
        }

        It 'ends with DcCatalogNotFound when the catalog does not exist, and leaves the key file alone' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            $null = New-DcEncryptionKey -ErrorAction Stop
            { Remove-DcEncryptionKey -KeyId $a.KeyId -Force -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Remove-DcEncryptionKey')
            @(Get-KeyFileIds).Count | Should -Be 2
        }
    }

    Context 'a ring in $env:DATACOMPASS_ENCRYPTION_KEY' {
        It 'never changes it, and says whether dropping the key from the variable is safe' {
            $primary = New-FernetKeyText
            $used = New-FernetKeyText
            $unused = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = $used
            $canary = New-Canary 'envring'
            Add-EncryptedSource 'pg' $canary
            $ring = "$primary,$used,$unused"
            $env:DATACOMPASS_ENCRYPTION_KEY = $ring
            $before = Get-ContentSnapshot $script:DataDir

            $records = foreach ($key in $unused, $used, $primary) {
                Get-ErrorRecord { Remove-DcEncryptionKey -KeyId (Get-FernetKeyId $key) -Force -ErrorAction Stop }
            }

            foreach ($record in $records) {
                $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyRingInEnvironment' 'Remove-DcEncryptionKey')
                "$($record.CategoryInfo.Category)" | Should -Be 'InvalidOperation'
                $record.Exception.Message | Should -BeLike '*DATACOMPASS_ENCRYPTION_KEY*does not change*'
                Assert-NoValue $record @($primary, $used, $unused, $canary)
            }
            $records[0].Exception.Message | Should -BeLike '*safe to drop it*'
            $records[1].Exception.Message | Should -BeLike "*source 'pg', field 'password'*unreadable*"
            $records[2].Exception.Message | Should -BeLike '*primary key*New-DcEncryptionKey -AsPlainText*'
            $env:DATACOMPASS_ENCRYPTION_KEY | Should -BeExactly $ring
            Get-ContentSnapshot $script:DataDir | Should -Be $before
            $script:KeyFile | Should -Not -Exist
        }
    }

    Context 'a ring in a vault' -Tag 'Vault' {
        BeforeEach {
            $script:Vault = New-TestVault
            $script:TestVaults.Add($script:Vault)
        }

        It 'rewrites the vault secret without the key, reads it back, and writes no key file' {
            $old = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop
            $canary = New-Canary 'vaultring'
            Add-EncryptedSource 'pg' $canary
            $new = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop
            { Remove-DcEncryptionKey -KeyId $old.KeyId -Force -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcEncryptionKeyInUse' 'Remove-DcEncryptionKey')
            $null = Update-DcEncryptionKey -Confirm:$false -ErrorAction Stop
            Clear-TestVaultCall $script:Vault

            $result = Remove-DcEncryptionKey -KeyId $old.KeyId -Force -ErrorAction Stop

            $result.Location | Should -Be "vault://$($script:Vault)/DataCompass-encryption-key"
            $result.RemainingKeyIds | Should -Be @($new.KeyId)
            $stored = Get-Secret -Vault $script:Vault -Name 'DataCompass-encryption-key' -AsPlainText -ErrorAction Stop
            @($stored -split ',' | ForEach-Object { Get-FernetKeyId $_ }) | Should -Be @($new.KeyId)
            $calls = @(Get-TestVaultCall -Name $script:Vault)
            $calls | Should -Contain 'Set-Secret DataCompass-encryption-key'
            $calls[-1] | Should -Be 'Get-Secret DataCompass-encryption-key' -Because 'the ring is read back after it was written'
            $script:KeyFile | Should -Not -Exist
            (Get-DcSourceConnection pg -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
            (Get-RemoveKeyEvents)[0].Context.location | Should -Be "vault://$($script:Vault)/DataCompass-encryption-key"
        }
    }

    Context 'tab completion of -KeyId' {
        It 'offers the ids of the catalog''s ring, primary first, with the prefix typed and the -Database typed' {
            $a = New-DcEncryptionKey -ErrorAction Stop
            Add-EncryptedSource 'pg' 'x'
            $b = New-DcEncryptionKey -ErrorAction Stop
            $line = 'Remove-DcEncryptionKey -KeyId '
            $completions = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches)
            @($completions.CompletionText) | Should -Be @($b.KeyId, $a.KeyId)
            $completions[0].ToolTip | Should -BeLike '*primary, 0 values*'
            $completions[1].ToolTip | Should -BeLike '*secondary, 1 value in*'
            $line = "Remove-DcEncryptionKey -KeyId $($a.KeyId.Substring(0, 3))"
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Contain $a.KeyId

            $other = Join-Path $TestDrive "$([guid]::NewGuid().ToString('n'))/other.db"
            $c = New-DcEncryptionKey -Database $other -ErrorAction Stop
            $line = "Remove-DcEncryptionKey -Database '$other' -KeyId "
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Be @($c.KeyId)
        }

        It 'offers nothing, without an error, when there is no key ring' {
            $Error.Clear()
            $line = 'Remove-DcEncryptionKey -KeyId '
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Where-Object ResultType -EQ 'ParameterValue') | Should -BeNullOrEmpty
            $Error.Count | Should -Be 0
            $script:DataDir | Should -Not -Exist
        }
    }
}
