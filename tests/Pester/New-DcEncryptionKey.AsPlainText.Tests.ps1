#Requires -Version 7.4
# New-DcEncryptionKey -AsPlainText (DESIGN.md, "The source lifecycle"): a new key for $env:DATACOMPASS_ENCRYPTION_KEY
# (a CI secret), written once to the output as a plain string and stored nowhere. The key is a secret: it reaches the
# output stream and nothing else. The key is checked against an independent Fernet implementation (EncryptionHelpers.ps1).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Get-NewKeyEvents([string] $Database) {
        @(Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT * FROM dc_audit_events WHERE action = 'new-key' ORDER BY id" |
                ForEach-Object { $_ | Add-Member -NotePropertyName Context -NotePropertyValue ($_.context | ConvertFrom-Json -AsHashtable) -Force -PassThru })
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'New-DcEncryptionKey -AsPlainText' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
        $script:Database = Join-Path $script:DataDir 'datacompass.db'
    }

    It 'writes one standard Fernet key as a string, and warns with its id that it is shown once' {
        $output = @(New-DcEncryptionKey -AsPlainText -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop)

        $output.Count | Should -Be 1
        $output[0] | Should -BeOfType [string]
        $output[0] | Should -Match '^[A-Za-z0-9_-]{43}=$'
        (ConvertFrom-UrlSafeBase64 $output[0]).Length | Should -Be 32
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*$(Get-FernetKeyId $output[0])*shown this once*stored nowhere*secret store*"
        (New-DcEncryptionKey -AsPlainText -WarningAction SilentlyContinue) | Should -Not -Be $output[0] -Because 'every call makes a new key'
    }

    It 'declares System.String as the output of its own parameter set, which takes neither -Path, -Vault nor -Force' {
        $command = Get-Command New-DcEncryptionKey
        $set = $command.ParameterSets | Where-Object Name -EQ 'AsPlainText'
        $set.Parameters.Name | Should -Not -Contain 'Path'
        $set.Parameters.Name | Should -Not -Contain 'Vault'
        $set.Parameters.Name | Should -Not -Contain 'Force'
        ($command.OutputType | Where-Object { $_.Name -eq 'System.String' }) | Should -Not -BeNullOrEmpty
        { New-DcEncryptionKey -AsPlainText -Vault Store } | Should -Throw -ErrorId 'AmbiguousParameterSet,DataCompass.Commands.NewDcEncryptionKeyCommand'
        { New-DcEncryptionKey -AsPlainText -Path (Join-Path $TestDrive 'k') } | Should -Throw -ErrorId 'AmbiguousParameterSet,DataCompass.Commands.NewDcEncryptionKeyCommand'
        { New-DcEncryptionKey -AsPlainText -Force } | Should -Throw -ErrorId 'AmbiguousParameterSet,DataCompass.Commands.NewDcEncryptionKeyCommand'
        $script:DataDir | Should -Not -Exist
    }

    It 'is usable as $env:DATACOMPASS_ENCRYPTION_KEY by Add-DcSource -Encrypt and Get-DcSourceConnection' {
        $env:DATACOMPASS_ENCRYPTION_KEY = New-DcEncryptionKey -AsPlainText -WarningAction SilentlyContinue
        $canary = New-Canary 'printed'
        Add-DcSource -Name pg -Type postgresql -Encrypt -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $canary }

        $stored = Read-EncryptedValue (Get-StoredField -Database $script:Database -Source pg -Field password)
        $stored.KeyId | Should -Be (Get-FernetKeyId $env:DATACOMPASS_ENCRYPTION_KEY)
        Read-FernetToken -Key $env:DATACOMPASS_ENCRYPTION_KEY -Token $stored.Token | Should -BeExactly $canary -Because 'any Fernet implementation opens it with that key'
        (Get-DcSourceConnection pg -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        Join-Path $script:DataDir 'key' | Should -Not -Exist
    }

    It 'can be put first in a ring kept in the variable, and Update-DcEncryptionKey moves the values to it' {
        $old = New-FernetKeyText
        $env:DATACOMPASS_ENCRYPTION_KEY = $old
        Add-DcSource -Name pg -Type postgresql -Encrypt -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'rotate-me' }
        $new = New-DcEncryptionKey -AsPlainText -WarningAction SilentlyContinue
        $env:DATACOMPASS_ENCRYPTION_KEY = "$new,$env:DATACOMPASS_ENCRYPTION_KEY"

        (Update-DcEncryptionKey -Confirm:$false -ErrorAction Stop).Reencrypted | Should -Be 1
        (Read-EncryptedValue (Get-StoredField -Database $script:Database -Source pg -Field password)).KeyId | Should -Be (Get-FernetKeyId $new)
    }

    It 'stores the key nowhere: no data folder is made, and in an existing one no file changes but the catalog''s audit trail, which holds no key' {
        $null = New-DcEncryptionKey -AsPlainText -WarningAction SilentlyContinue -ErrorAction Stop
        $script:DataDir | Should -Not -Exist -Because 'there is no catalog, so not even an event is written'

        Add-DcSource -Name pg -Type postgresql -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' }
        $before = @(Get-ChildItem -LiteralPath $script:DataDir -File -Force | Where-Object Name -NotLike 'datacompass.db*' | ForEach-Object Name)
        $snapshot = Get-FolderSnapshot $script:DataDir | Where-Object { $_ -notmatch 'datacompass\.db' }

        $key = New-DcEncryptionKey -AsPlainText -WarningAction SilentlyContinue -ErrorAction Stop

        @(Get-ChildItem -LiteralPath $script:DataDir -File -Force | Where-Object Name -NotLike 'datacompass.db*' | ForEach-Object Name) | Should -Be $before
        Get-FolderSnapshot $script:DataDir | Where-Object { $_ -notmatch 'datacompass\.db' } | Should -Be $snapshot
        $files = @(Get-ChildItem -LiteralPath $script:DataDir -File -Force | ForEach-Object FullName)
        $files | Should -Contain $script:Database
        Test-AnyContains -Path $files -Text $key | Should -BeFalse
        Test-AnyContains -Path $files -Text (Get-FernetKeyId $key) | Should -BeTrue -Because 'positive control: the event names the key by its id'
        (Get-DcConfig).EncryptionKeyRef | Should -BeNullOrEmpty
    }

    It 'records a new-key event "printed, not stored" when the catalog exists' {
        Add-DcSource -Name pg -Type postgresql -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' }
        $key = New-DcEncryptionKey -AsPlainText -WarningAction SilentlyContinue -ErrorAction Stop

        $events = @(Get-NewKeyEvents $script:Database)
        $events.Count | Should -Be 1
        $events[0].Context.key_id | Should -Be (Get-FernetKeyId $key)
        $events[0].Context.location | Should -Be 'printed, not stored'
        $events[0].Context.key_count | Should -Be 1
        $events[0].Context.command | Should -Be 'New-DcEncryptionKey'
    }

    It 'puts the key in the output stream only: not in warning, verbose, debug, information, error or $Error' {
        Add-DcSource -Name pg -Type postgresql -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' }
        $Error.Clear()
        $records = @(New-DcEncryptionKey -AsPlainText -Verbose -Debug -InformationAction Continue -WarningAction Continue *>&1)

        $keys = @($records | Where-Object { $_ -is [string] })
        $keys.Count | Should -Be 1
        $key = $keys[0]
        $others = @($records | Where-Object { $_ -isnot [string] })
        $others | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | Should -Not -BeNullOrEmpty -Because 'positive control: the other streams were captured'
        $text = @(foreach ($record in $others) {
                "$record"; ($record | Format-List * -Force | Out-String)
                if ($record -is [System.Management.Automation.ErrorRecord]) { "$($record.TargetObject)"; "$($record.Exception)" }
                if ($record -is [System.Management.Automation.InformationRecord]) { "$($record.MessageData)" }
            }) + @($Error | ForEach-Object { "$_"; "$($_.TargetObject)"; "$($_.Exception)" })
        ($text -join "`n").Contains($key) | Should -BeFalse
        ($text -join "`n").Contains($key.Substring(8, 24)) | Should -BeFalse -Because 'not even part of the key'
    }

    It 'writes nothing and records nothing with -WhatIf' {
        Add-DcSource -Name pg -Type postgresql -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DC_UNUSED}' }
        New-DcEncryptionKey -AsPlainText -WhatIf | Should -BeNullOrEmpty
        Get-NewKeyEvents $script:Database | Should -BeNullOrEmpty
    }
}
