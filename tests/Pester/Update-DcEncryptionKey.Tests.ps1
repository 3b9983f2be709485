#Requires -Version 7.4
# Update-DcEncryptionKey: re-encrypts every value not under the primary key, in bounded transactions. A value whose key
# is missing (DcEncryptionKeyMissing) or that is damaged (DcDecryptionFailed) is reported on its own and left as it is;
# the rest go on. One DcEncryptionKeyUpdate and an information record sum up the run; -WhatIf lists each value and
# changes no byte; with no key configured it stops. Afterwards no byte of an old token is left in the db or its -wal.
# The key rotation is checked end to end: key A, New-DcEncryptionKey (B primary), Update-DcEncryptionKey, nothing left
# under A, and a ring of B alone opens every value.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-EncryptedPg([string] $Name, [string] $Password) {
        Add-DcSource -Name $Name -Type postgresql -Encrypt -ErrorAction Stop -Connection @{
            host = 'h'; database = 'sales'; username = 'app'; password = $Password
        }
    }

    function Get-Stored([string] $Source, [string] $Field = 'password') { Get-StoredField $script:Database $Source $Field }

    function Get-KeyFileRing { @(([IO.File]::ReadAllText($script:KeyFile)) -split '[,\r\n]' | ForEach-Object Trim | Where-Object { $_ }) }

    function Get-ErrorRecord([scriptblock] $Script) {
        try { & $Script; $null } catch { $_ }
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Update-DcEncryptionKey' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
        $script:Database = Join-Path $script:DataDir 'datacompass.db'
        $script:KeyFile = Join-Path $script:DataDir 'key'
    }

    Context 'a key rotation, end to end' {
        BeforeEach {
            # Key A in the key file; four values under it (one postgres password, one snowflake password, a databricks token and secret).
            $script:KeyA = New-DcEncryptionKey -ErrorAction Stop
            $script:Values = [ordered]@{
                'pg.password'       = New-Canary 'pg"pw'
                'sf.password'       = New-Canary 'sf pw'
                'dbx.access_token'  = New-Canary 'tok'
                'dbx.client_secret' = New-Canary 'cs'
            }
            $v = $script:Values
            Add-EncryptedPg pg $v['pg.password']
            Add-DcSource -Name sf -Type snowflake -Encrypt -ErrorAction Stop -Connection @{
                account = 'acme'; warehouse = 'wh'; database = 'db'; username = 'svc'; password = $v['sf.password']
            }
            Add-DcSource -Name dbx -Type databricks -Encrypt -ErrorAction Stop -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/p'; catalog = 'main'; auth_method = 'service_principal'
                client_id = 'app'; tenant_id = 't'; access_token = $v['dbx.access_token']; client_secret = $v['dbx.client_secret']
            }
            $script:OldStored = @{}
            foreach ($name in $v.Keys) { $source, $field = $name -split '\.'; $script:OldStored[$name] = Get-Stored $source $field }
        }

        It 'moves every value from key A to the new primary key B, leaves none under A, and a ring of B alone opens them all' {
            $keyB = New-DcEncryptionKey -ErrorAction Stop
            $keyB.PreviousPrimaryKeyId | Should -BeExactly $script:KeyA.KeyId
            $before = @(Get-DcEncryptionStatus -ErrorAction Stop)
            @($before | ForEach-Object { '{0}:{1}:{2}' -f $_.KeyId, $_.Role, $_.Values }) | Should -Be @("$($keyB.KeyId):Primary:0", "$($script:KeyA.KeyId):Secondary:4")

            $update = Update-DcEncryptionKey -ErrorAction Stop
            $update | Should -BeOfType 'DataCompass.DcEncryptionKeyUpdate'
            $update.PrimaryKeyId | Should -BeExactly $keyB.KeyId
            $update.Reencrypted | Should -Be 4
            $update.Failed | Should -Be 0
            $update.NotDone | Should -Be 0
            $update.AlreadyCurrent | Should -Be 0
            $update.Database | Should -BeExactly $script:Database

            $after = @(Get-DcEncryptionStatus -ErrorAction Stop)
            @($after | ForEach-Object { '{0}:{1}:{2}' -f $_.KeyId, $_.Role, $_.Values }) | Should -Be @("$($keyB.KeyId):Primary:4", "$($script:KeyA.KeyId):Secondary:0")

            # Every stored value is now a token of key B, per an independent Fernet implementation.
            $ringB = (Get-KeyFileRing)[0]
            Get-FernetKeyId $ringB | Should -BeExactly $keyB.KeyId
            foreach ($name in $script:Values.Keys) {
                $source, $field = $name -split '\.'
                $parsed = Read-EncryptedValue (Get-Stored $source $field)
                $parsed.KeyId | Should -BeExactly $keyB.KeyId
                Read-FernetToken -Key $ringB -Token $parsed.Token | Should -BeExactly $script:Values[$name]
            }

            # Drop key A: the ring of B alone opens every value.
            [IO.File]::WriteAllText($script:KeyFile, $ringB + "`n")
            @(Get-DcEncryptionStatus -ErrorAction Stop -WarningVariable warnings).Count | Should -Be 1
            @($warnings) | Should -BeNullOrEmpty
            (Get-DcSourceConnection -Name pg -ErrorAction Stop).Credential.GetNetworkCredential().Password | Should -BeExactly $script:Values['pg.password']
            (Get-DcSourceConnection -Name sf -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $script:Values['sf.password']
            $dbx = (Get-DcSourceConnection -Name dbx -AsPlainText -ErrorAction Stop).Settings
            $dbx['access_token'] | Should -BeExactly $script:Values['dbx.access_token']
            $dbx['client_secret'] | Should -BeExactly $script:Values['dbx.client_secret']
            @(Test-DcSource | Where-Object Kind -EQ 'Encrypted' | ForEach-Object { "$($_.Status)" } | Sort-Object -Unique) | Should -Be @('Ok')
        }

        It 'leaves no byte of an old token in the database, its -wal or -shm' {
            $null = New-DcEncryptionKey -ErrorAction Stop
            $null = Update-DcEncryptionKey -ErrorAction Stop
            $files = @(Get-CatalogFile $script:Database)
            $files | Should -Contain $script:Database
            foreach ($name in $script:OldStored.Keys) {
                $token = (Read-EncryptedValue $script:OldStored[$name]).Token
                Test-AnyContains -Path $files -Text $token.Substring(16, 40) | Should -BeFalse -Because "the old token of $name must not survive"
            }
            # Positive control: the new tokens are there.
            $current = (Read-EncryptedValue (Get-Stored pg)).Token
            Test-AnyContains -Path $files -Text $current.Substring(16, 40) | Should -BeTrue
        }

        It 'does nothing the second time: every value is already under the primary key' {
            $null = New-DcEncryptionKey -ErrorAction Stop
            $null = Update-DcEncryptionKey -ErrorAction Stop
            $again = Update-DcEncryptionKey -ErrorAction Stop
            $again.Reencrypted | Should -Be 0
            $again.AlreadyCurrent | Should -Be 4
            $again.Failed | Should -Be 0
        }

        It 'sums up the run in an information record' {
            $keyB = New-DcEncryptionKey -ErrorAction Stop
            $null = Update-DcEncryptionKey -BatchSize 3 -InformationVariable information -ErrorAction Stop
            @($information).Count | Should -Be 1
            $text = "$($information[0].MessageData)"
            $text | Should -BeLike "*4*$($keyB.KeyId)*"
            $text | Should -BeLike '*0 failed*'
            foreach ($value in $script:Values.Values) { $text.Contains(($value -split '-')[-1]) | Should -BeFalse }
        }

        It 'rotates in batches of one, each its own transaction, with the same outcome' {
            $keyB = New-DcEncryptionKey -ErrorAction Stop
            (Update-DcEncryptionKey -BatchSize 1 -ErrorAction Stop).Reencrypted | Should -Be 4
            (Get-DcEncryptionStatus | Where-Object KeyId -EQ $keyB.KeyId).Values | Should -Be 4
        }

        It 're-encrypts only the sources -Name matches' {
            $keyB = New-DcEncryptionKey -ErrorAction Stop
            $update = Update-DcEncryptionKey -Name 'p*', 'sf' -ErrorAction Stop
            $update.Reencrypted | Should -Be 2
            (Read-EncryptedValue (Get-Stored pg)).KeyId | Should -BeExactly $keyB.KeyId
            (Read-EncryptedValue (Get-Stored sf)).KeyId | Should -BeExactly $keyB.KeyId
            Get-Stored dbx access_token | Should -BeExactly $script:OldStored['dbx.access_token']
            Get-Stored dbx client_secret | Should -BeExactly $script:OldStored['dbx.client_secret']
        }

        It 'lists each value with -WhatIf and changes no byte of the catalog' {
            $keyB = New-DcEncryptionKey -ErrorAction Stop
            # What a read leaves beside a WAL-mode catalog (-shm, an empty -wal) is not a change of the catalog.
            $before = Get-ContentSnapshot $script:DataDir
            $transcript = Join-Path $TestDrive "whatif-$([guid]::NewGuid().ToString('n')).txt"
            $null = Start-Transcript -Path $transcript
            try { $update = Update-DcEncryptionKey -WhatIf -ErrorAction Stop }
            finally { $null = Stop-Transcript }

            Get-ContentSnapshot $script:DataDir | Should -Be $before
            $update.Reencrypted | Should -Be 0
            $update.NotDone | Should -Be 4
            $lines = @(Get-Content -LiteralPath $transcript | Where-Object { $_ -like 'What if:*' } | Sort-Object -Unique)
            $lines.Count | Should -Be 4
            foreach ($name in $script:Values.Keys) {
                $source, $field = $name -split '\.'
                @($lines | Where-Object { $_ -like "*source '$source', field '$field'*" -and $_ -like "*$($script:KeyA.KeyId)*$($keyB.KeyId)*" }).Count | Should -Be 1
            }
        }
    }

    Context 'values it cannot move' {
        It 'reports a value whose key is missing and a damaged value on their own, leaves them as they are, and moves the rest' {
            $keyA = New-FernetKeyText
            $keyB = New-FernetKeyText
            $keyX = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = $keyA
            Add-EncryptedPg a1 (New-Canary 'a1')
            Add-EncryptedPg a2 (New-Canary 'a2')
            Add-EncryptedPg changed (New-Canary 'changed')
            Add-EncryptedPg a3 (New-Canary 'a3')
            $env:DATACOMPASS_ENCRYPTION_KEY = $keyX
            Add-EncryptedPg lost (New-Canary 'lost')
            Set-StoredField $script:Database changed password (Get-TamperedToken (Get-Stored changed))
            $kept = @{ changed = (Get-Stored changed); lost = (Get-Stored lost) }
            $env:DATACOMPASS_ENCRYPTION_KEY = "$keyB,$keyA"

            $update = Update-DcEncryptionKey -BatchSize 2 -ErrorAction SilentlyContinue -ErrorVariable errors
            $update.Reencrypted | Should -Be 3
            $update.Failed | Should -Be 2
            $update.PrimaryKeyId | Should -BeExactly (Get-FernetKeyId $keyB)
            $errors.Count | Should -Be 2
            $missing = $errors | Where-Object FullyQualifiedErrorId -EQ (Get-DcErrorId 'DcEncryptionKeyMissing' 'Update-DcEncryptionKey')
            $missing.Exception.Message | Should -BeLike "*'lost'*'password'*$(Get-FernetKeyId $keyX)*"
            "$($missing.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $failed = $errors | Where-Object FullyQualifiedErrorId -EQ (Get-DcErrorId 'DcDecryptionFailed' 'Update-DcEncryptionKey')
            $failed.Exception.Message | Should -BeLike "*'changed'*'password'*"
            "$($failed.CategoryInfo.Category)" | Should -Be 'InvalidData'

            Get-Stored changed | Should -BeExactly $kept.changed
            Get-Stored lost | Should -BeExactly $kept.lost
            foreach ($name in 'a1', 'a2', 'a3') { (Read-EncryptedValue (Get-Stored $name)).KeyId | Should -BeExactly (Get-FernetKeyId $keyB) }
        }

        It 'stops with DcEncryptionKeyMissing when no key is configured, changing nothing' {
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            Add-EncryptedPg prod (New-Canary 'prod')
            Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
            $before = Get-ContentSnapshot $script:DataDir

            $record = Get-ErrorRecord { Update-DcEncryptionKey -ErrorAction SilentlyContinue }
            $record | Should -Not -BeNullOrEmpty -Because 'the error is terminating'
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Update-DcEncryptionKey')
            "$($record.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $record.Exception.Message | Should -BeLike '*New-DcEncryptionKey*'
            Get-ContentSnapshot $script:DataDir | Should -Be $before
        }

        It 'stops with DcEncryptionKeyFileUnprotected for a key file others can read, changing nothing' -Skip:$IsWindows {
            $null = New-DcEncryptionKey -ErrorAction Stop
            Add-EncryptedPg prod (New-Canary 'prod')
            $null = New-DcEncryptionKey -ErrorAction Stop
            chmod 644 $script:KeyFile
            $before = Get-ContentSnapshot $script:DataDir
            $record = Get-ErrorRecord { Update-DcEncryptionKey -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnprotected' 'Update-DcEncryptionKey')
            Get-ContentSnapshot $script:DataDir | Should -Be $before
        }

        It 'takes a -BatchSize from 1 to 10000 only' {
            { Update-DcEncryptionKey -BatchSize 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,DataCompass.Commands.UpdateDcEncryptionKeyCommand'
        }
    }

    Context 'its help' {
        It 'has examples that run when pasted in order, leaving every value under the new key' {
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            $oldId = Get-FernetKeyId $env:DATACOMPASS_ENCRYPTION_KEY
            Add-EncryptedPg prod (New-Canary 'example-prod')
            Add-EncryptedPg stage (New-Canary 'example-stage')

            $examples = @((Get-Help Update-DcEncryptionKey -Full).examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($example in $examples) {
                $null = & ([scriptblock]::Create("`$ErrorActionPreference = 'Stop'; $($example.code)")) 3>$null 6>$null
            }

            $primary = (Get-DcEncryptionStatus | Where-Object Role -eq Primary)
            $primary.KeyId | Should -Not -Be $oldId -Because 'example 1 put a new key in front'
            $primary.Values | Should -Be 2
            (Get-DcEncryptionStatus | Where-Object KeyId -eq $oldId).Values | Should -Be 0
        }
    }
}
