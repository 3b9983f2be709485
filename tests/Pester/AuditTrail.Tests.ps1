#Requires -Version 7.4
# The audit trail (dc_audit_events): every change leaves exactly one event, written in the change's own
# transaction; every resolution of secrets leaves one (per audit_resolution); retention prunes by the next change,
# never by a read; and no event holds a value, in any form. Events are read here with raw SQL, past the module,
# so these tests check what is stored, not what Get-DcAuditEvent makes of it.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCA_PASSWORD', 'DCA_UNSET')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:Vault = New-TestVault -Prefix DcAudit
    $script:MoveTarget = New-TestVault -Prefix DcAuditMove

    function New-Catalog {
        # A fresh folder per test: the catalog, its config and its key file live side by side.
        $folder = Join-Path $TestDrive ("audit-{0}" -f [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        Set-TestVariable 'DATACOMPASS_DATA_DIR' $folder
        Join-Path $folder 'datacompass.db'
    }

    function Get-Events([string] $Database, [string] $Action) {
        $where = if ($Action) { "WHERE action = '$Action'" } else { '' }
        foreach ($row in @(Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT * FROM dc_audit_events $where ORDER BY id")) {
            $row | Add-Member -NotePropertyName Fields -NotePropertyValue ($row.fields | ConvertFrom-Json -AsHashtable) -Force
            $row | Add-Member -NotePropertyName Context -NotePropertyValue ($row.context | ConvertFrom-Json -AsHashtable) -Force
            $row
        }
    }

    function Add-Pg([string] $Name, [string] $Password = '${DCA_PASSWORD}', [hashtable] $Extra = @{}) {
        $parameters = @{ Name = $Name; Type = 'postgresql'; Connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password } }
        foreach ($key in $Extra.Keys) { $parameters[$key] = $Extra[$key] }
        Add-DcSource @parameters -ErrorAction Stop -WarningAction SilentlyContinue
    }
}

AfterAll {
    Remove-TestVault -Name $script:Vault
    Remove-TestVault -Name $script:MoveTarget
    foreach ($name in $script:EnvNames) { Set-TestVariable $name $script:SavedEnv[$name] }
}

Describe 'Every change leaves exactly one event' -Tag 'Audit' {
    BeforeEach {
        $script:Db = New-Catalog
        Set-TestVariable 'DCA_PASSWORD' 'not-a-real-password'
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
    }

    It 'records each add of a pipeline, with who and which references' {
        'a', 'b', 'c' | ForEach-Object {
            [pscustomobject]@{ Name = $_; Type = 'postgresql'; Connection = @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCA_PASSWORD}' } }
        } | Add-DcSource -ErrorAction Stop

        $events = @(Get-Events $script:Db)
        $events.action | Should -Be @('add', 'add', 'add')
        $events.source_name | Should -Be @('a', 'b', 'c')
        $ids = @(Invoke-RawSql -Database $script:Db -ReadOnly -Sql 'SELECT id FROM data_sources ORDER BY name' | ForEach-Object id)
        $events.source_id | Should -Be $ids
        $first = $events[0]
        $first.user | Should -Be ([Environment]::UserName)
        $first.host | Should -Be ([Environment]::MachineName)
        $first.process_id | Should -Be $PID
        $first.Context.command | Should -Be 'Add-DcSource'
        $first.Context.host_name | Should -Be $Host.Name
        $first.Context.outcome | Should -Be 'succeeded'
        $first.Fields.password.old | Should -BeNullOrEmpty
        $first.Fields.password.new | Should -Be '${DCA_PASSWORD}'
        $first.Fields.host.new | Should -Be 'literal' -Because 'a literal is shown by its provenance, not its value'
    }

    It 'records the vault reference a literal secret was stored as, and nothing for a refused add' {
        Add-Pg 'vaulted' -Password 'literal-password-1' -Extra @{ Vault = $script:Vault }
        { Add-Pg 'bad name!' } | Should -Throw
        { Add-Pg 'vaulted' } | Should -Throw -ErrorId (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')

        $events = @(Get-Events $script:Db)
        $events.Count | Should -Be 1
        $events[0].Fields.password.new | Should -Be "`${secret:$($script:Vault)/DataCompass-vaulted-password}"
    }

    It 'records a removal with the references the source had and the secrets it let go' {
        Add-Pg 'gone' -Password 'literal-password-2' -Extra @{ Vault = $script:Vault }
        Remove-DcSource -Name gone -RemoveSecret -Confirm:$false -ErrorAction Stop

        $removal = @(Get-Events $script:Db 'remove')
        $removal.Count | Should -Be 1
        $removal[0].source_name | Should -Be 'gone'
        $removal[0].Fields.password.old | Should -Be "`${secret:$($script:Vault)/DataCompass-gone-password}"
        $removal[0].Fields.password.new | Should -BeNullOrEmpty
        $removal[0].Context.secrets_removed | Should -Be @("`${secret:$($script:Vault)/DataCompass-gone-password}")
    }

    It 'records each field a conversion moves, from plaintext to its reference' {
        Add-Pg 'legacy' -Password 'plain-password-3' -Extra @{ AllowPlaintext = $true }
        Convert-DcSourceSecret -Vault $script:Vault -Confirm:$false -ErrorAction Stop | Out-Null

        $conversion = @(Get-Events $script:Db 'convert')
        $conversion.Count | Should -Be 1
        $conversion[0].source_name | Should -Be 'legacy'
        $conversion[0].Fields.password.old | Should -Be 'plaintext'
        $conversion[0].Fields.password.new | Should -Be "`${secret:$($script:Vault)/DataCompass-legacy-password}"
    }

    It 'records a rotation by Set-DcSourceSecret, also when only the vault value changed' {
        Add-Pg 'rot'
        Set-DcSourceSecret -Name rot -Field password -Secret (ConvertTo-SecureString 'rotated-password-4' -AsPlainText -Force) -Vault $script:Vault -ErrorAction Stop
        Set-DcSourceSecret -Name rot -Field password -Secret (ConvertTo-SecureString 'rotated-password-5' -AsPlainText -Force) -Vault $script:Vault -ErrorAction Stop

        $rotations = @(Get-Events $script:Db 'rotate-secret')
        $rotations.Count | Should -Be 2
        $rotations[0].Fields.password.old | Should -Be '${DCA_PASSWORD}'
        $rotations[0].Fields.password.new | Should -BeLike "`${secret:$($script:Vault)/DataCompass-rot-password*}"
        $rotations[1].Fields.password.old | Should -Be $rotations[0].Fields.password.new
        $rotations[1].Context.secret_written | Should -BeLike "`${secret:$($script:Vault)/*}"
    }

    It 'records a new key, and each source whose values a key rotation re-encrypted' {
        Add-Pg 'first'
        $keyA = New-DcEncryptionKey -ErrorAction Stop
        Add-Pg 'enc1' -Password 'encrypted-password-6' -Extra @{ Encrypt = $true }
        Add-Pg 'enc2' -Password 'encrypted-password-7' -Extra @{ Encrypt = $true }
        $keyB = New-DcEncryptionKey -ErrorAction Stop
        Update-DcEncryptionKey -Confirm:$false -ErrorAction Stop | Out-Null

        $newKeys = @(Get-Events $script:Db 'new-key')
        $newKeys.Context.key_id | Should -Be @($keyA.KeyId, $keyB.KeyId)
        $newKeys[1].Context.previous_key_id | Should -Be $keyA.KeyId
        (Get-Events $script:Db 'add')[1].Fields.password.new | Should -Be "encrypted:$($keyA.KeyId)"
        $rotations = @(Get-Events $script:Db 'rotate-key')
        $rotations.source_name | Should -Be @('enc1', 'enc2')
        foreach ($rotation in $rotations) {
            $rotation.Fields.password.old | Should -Be "encrypted:$($keyA.KeyId)"
            $rotation.Fields.password.new | Should -Be "encrypted:$($keyB.KeyId)"
        }
    }

    It 'records a change of settings, old and new' {
        Add-Pg 'first'
        Set-DcConfig -SecretVault $script:Vault -AuditRetentionDays 30 -ErrorAction Stop
        $change = @(Get-Events $script:Db 'set-config')
        $change.Count | Should -Be 1
        $change[0].Fields.secrets_backend.new | Should -Be $script:Vault
        $change[0].Fields.audit_retention_days.old | Should -BeNullOrEmpty
        $change[0].Fields.audit_retention_days.new | Should -Be '30'
        $change[0].Fields.Keys | Should -Not -Contain 'secret_name_template' -Because 'only what changed is listed'
    }
}

Describe 'Changes outside a catalog' -Tag 'Audit' {
    It 'makes no catalog just to record a key or a setting made before there is one' {
        $db = New-Catalog
        $null = New-DcEncryptionKey -ErrorAction Stop
        Set-DcConfig -SecretNameTemplate 'early-{source}-{field}' -ErrorAction Stop
        $db | Should -Not -Exist
        Add-Pg 'later'
        @(Get-Events $db).action | Should -Be @('add')
    }
}

Describe 'Every state-changing command is audited (meta)' -Tag 'Audit' {
    BeforeAll {
        # One scenario per command that changes state; a new such command without one fails below.
        $script:Scenarios = [ordered]@{
            'Add-DcSource'            = { Add-Pg 'm1' }
            'Remove-DcSource'         = { Add-Pg 'm2'; Remove-DcSource -Name m2 -Confirm:$false -ErrorAction Stop }
            'Convert-DcSourceSecret'  = { Add-Pg 'm3' -Password 'meta-plain' -Extra @{ AllowPlaintext = $true }; Convert-DcSourceSecret -Vault $script:Vault -Confirm:$false -ErrorAction Stop | Out-Null }
            'Set-DcSourceSecret'      = { Add-Pg 'm4'; Set-DcSourceSecret -Name m4 -Field password -Secret (ConvertTo-SecureString 'meta-rotated' -AsPlainText -Force) -Vault $script:Vault -ErrorAction Stop }
            'New-DcEncryptionKey'     = { Add-Pg 'm0'; $null = New-DcEncryptionKey -ErrorAction Stop }
            'Update-DcEncryptionKey'  = { $null = New-DcEncryptionKey; Add-Pg 'm5' -Password 'meta-enc' -Extra @{ Encrypt = $true }; $null = New-DcEncryptionKey; Update-DcEncryptionKey -Confirm:$false -ErrorAction Stop | Out-Null }
            'Set-DcConfig'            = { Add-Pg 'm6'; Set-DcConfig -SecretNameTemplate 'meta-{source}-{field}' -ErrorAction Stop }
            'Remove-DcEncryptionKey'  = { $old = New-DcEncryptionKey; Add-Pg 'm7'; $null = New-DcEncryptionKey; Remove-DcEncryptionKey -KeyId $old.KeyId -Confirm:$false -ErrorAction Stop | Out-Null }
            'Set-DcSource'            = { Add-Pg 'm7'; Set-DcSource -Name m7 -DisplayName 'Meta' -Connection @{ port = 6432 } -ErrorAction Stop }
            # Export-DcSource writes files only, never the catalog: its check below is that it records nothing.
            'Export-DcSource'         = { Add-Pg 'm7'; Export-DcSource -Name m7 -Path (Join-Path $TestDrive "meta-export-$(New-Guid)") -ErrorAction Stop }
            'Move-DcSourceSecret'     = { Add-Pg 'm8' -Password 'meta-moved' -Extra @{ Vault = $script:Vault }; Move-DcSourceSecret -From $script:Vault -To $script:MoveTarget -ErrorAction Stop | Out-Null }
        }
        # Import-DcSource: an add and a change from source files, each recorded as add / set by Import-DcSource.
        $script:Scenarios['Import-DcSource'] = {
            $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "meta-import-$(New-Guid)")
            Set-Content -Path (Join-Path $folder 'm8.yaml') -Value 'type: postgresql', 'host: h', 'database: d', 'username: u', 'password: "${DCA_PASSWORD}"'
            Import-DcSource -Path $folder -ErrorAction Stop
            Add-Content -Path (Join-Path $folder 'm8.yaml') -Value 'port: 6432'
            Import-DcSource -Path $folder -ErrorAction Stop
        }
        # Protect- and Unprotect-DcDatabase need SQLCipher, which this process cannot load once it used the bundled
        # SQLite: a child converts the catalog there and back, so the events can be read here from the plain file.
        $script:Scenarios['Protect-DcDatabase'] = $script:Scenarios['Unprotect-DcDatabase'] = {
            Add-Pg 'm9'
            $run = Invoke-ChildPwsh -Environment @{ DATACOMPASS_DATABASE_KEY = 'meta-key' } -Script (
                "Import-Module '$($script:DcModulePath)'; `$null = Protect-DcDatabase -Confirm:`$false -ErrorAction Stop; `$null = Unprotect-DcDatabase -Confirm:`$false -ErrorAction Stop")
            $run.ExitCode | Should -Be 0 -Because $run.Text
        }
        $script:Changing = @(Get-Command -Module DataCompass -CommandType Cmdlet | Where-Object {
                $_.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].SupportsShouldProcess
            } | ForEach-Object Name | Sort-Object)
    }

    It 'has a scenario for each command that supports -WhatIf' {
        $script:Changing | Should -Not -BeNullOrEmpty
        @($script:Changing | Where-Object { -not $script:Scenarios.Contains($_) }) | Should -BeNullOrEmpty -Because 'each state-changing command needs an audit scenario'
    }

    It '<_> writes an event naming itself' -ForEach @('Add-DcSource', 'Remove-DcSource', 'Convert-DcSourceSecret', 'Set-DcSourceSecret', 'New-DcEncryptionKey', 'Update-DcEncryptionKey', 'Set-DcConfig', 'Remove-DcEncryptionKey', 'Set-DcSource', 'Move-DcSourceSecret') {
        $command = $_
        $db = New-Catalog
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        Set-TestVariable 'DCA_PASSWORD' 'meta-env'
        & $script:Scenarios[$command]
        @(Get-Events $db | Where-Object { $_.Context.command -eq $command }) | Should -Not -BeNullOrEmpty -Because "$command changed the catalog or its settings"
    }

    It '<_> writes an event naming itself, into the converted file' -ForEach @('Protect-DcDatabase', 'Unprotect-DcDatabase') -Tag SQLCipher -Skip:(-not $env:DATACOMPASS_TEST_SQLCIPHER) {
        $command = $_
        $db = New-Catalog
        Set-TestVariable 'DCA_PASSWORD' 'meta-env'
        & $script:Scenarios[$command]
        @(Get-Events $db | Where-Object { $_.Context.command -eq $command }) | Should -Not -BeNullOrEmpty -Because "$command converted the catalog"
    }

    It 'Import-DcSource writes an event naming itself for each source it adds or changes' {
        $db = New-Catalog
        Set-TestVariable 'DCA_PASSWORD' 'meta-env'
        & $script:Scenarios['Import-DcSource']
        $events = @(Get-Events $db)
        $events.action | Should -Be @('add', 'set')
        $events.Context.command | Should -Be @('Import-DcSource', 'Import-DcSource')
        @($events[1].Fields.Keys) | Should -Be @('port')
    }

    It 'Export-DcSource writes its file but no event, since it changes no catalog' {
        $db = New-Catalog
        Set-TestVariable 'DCA_PASSWORD' 'meta-env'
        & $script:Scenarios['Export-DcSource']
        @(Get-ChildItem -Path $TestDrive -Filter 'meta-export-*' -Directory | Get-ChildItem -Filter 'm7.yaml').Count | Should -Be 1
        @(Get-Events $db).Context.command | Should -Be @('Add-DcSource')
    }
}

Describe 'Resolutions of secrets' -Tag 'Audit' {
    BeforeEach {
        $script:Db = New-Catalog
        Set-TestVariable 'DCA_PASSWORD' 'resolved-password'
        Add-Pg 'ok'
        Add-Pg 'broken' -Password '${DCA_UNSET}'
        Set-TestVariable 'DCA_UNSET' $null
    }

    It 'records Get-DcSourceConnection: the references, and the error id of a failure' {
        $null = Get-DcSourceConnection -Name ok, broken -ErrorAction SilentlyContinue
        $null = Get-DcSourceConnection -Name nosuch -ErrorAction SilentlyContinue

        $resolved = @(Get-Events $script:Db 'resolve')
        $resolved.source_name | Should -Be @('ok', 'broken') -Because 'a name that matches no source resolved nothing'
        $resolved[0].Context.command | Should -Be 'Get-DcSourceConnection'
        $resolved[0].Context.outcome | Should -Be 'succeeded'
        $resolved[0].Context.references.password | Should -Be '${DCA_PASSWORD}'
        $resolved[1].Context.outcome | Should -Be 'failed'
        $resolved[1].Context.error_id | Should -Be 'DcEnvironmentVariableNotSet'
        $resolved[1].Context.failed_fields.password | Should -Be 'DcEnvironmentVariableNotSet'
    }

    It 'records Test-DcSource: one event per source with each field''s status' {
        $null = Test-DcSource -Quiet
        $tests = @(Get-Events $script:Db 'resolve')
        $tests.source_name | Should -Be @('broken', 'ok')
        $tests[0].Context.command | Should -Be 'Test-DcSource'
        $tests[0].Context.statuses.password | Should -Be 'NotSet'
        $tests[0].Context.error_id | Should -Be 'DcEnvironmentVariableNotSet'
        $tests[1].Context.outcome | Should -Be 'succeeded'
    }

    It 'records only failures under audit_resolution Failures, and none under Off' {
        Set-DcConfig -AuditResolution Failures
        $null = Get-DcSourceConnection -Name ok, broken -ErrorAction SilentlyContinue
        @(Get-Events $script:Db 'resolve').source_name | Should -Be @('broken')

        Set-DcConfig -AuditResolution Off
        $null = Get-DcSourceConnection -Name ok, broken -ErrorAction SilentlyContinue
        $null = Test-DcSource -Quiet
        @(Get-Events $script:Db 'resolve').Count | Should -Be 1
        @(Get-Events $script:Db 'set-config').Count | Should -Be 2 -Because 'changes are recorded whatever audit_resolution says'
    }
}

Describe 'Retention' -Tag 'Audit' {
    It 'prunes old events by the next change, never by a read' {
        $db = New-Catalog
        Set-TestVariable 'DCA_PASSWORD' 'retention-password'
        Add-Pg 'first'
        Set-DcConfig -AuditRetentionDays 7
        # The add is made ten days old, the settings change stays recent.
        $null = Invoke-RawSql -Database $db -Sql "UPDATE dc_audit_events SET at_utc = '2000-01-01 00:00:00.000000' WHERE action = 'add';"

        $null = Get-DcSource
        $null = Get-DcSourceConnection -Name first
        $null = Test-DcSource -Quiet
        @(Get-Events $db 'add').Count | Should -Be 1 -Because 'reads, resolutions included, never prune'

        Add-Pg 'second'
        $left = @(Get-Events $db)
        $left.action | Should -Not -Contain $null
        @($left | Where-Object { $_.action -eq 'add' }).source_name | Should -Be @('second')
        @($left | Where-Object { $_.action -eq 'set-config' }).Count | Should -Be 1
        @($left | Where-Object { $_.action -eq 'resolve' }).Count | Should -Be 2
    }

    It 'refuses a retention out of range, and 0 keeps events for good' {
        $null = New-Catalog
        { Set-DcConfig -AuditRetentionDays -1 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,DataCompass.Commands.SetDcConfigCommand'
        Set-DcConfig -AuditRetentionDays 10
        (Get-DcConfig).AuditRetentionDays | Should -Be 10
        Set-DcConfig -AuditRetentionDays 0
        (Get-DcConfig).AuditRetentionDays | Should -BeNullOrEmpty
    }
}

Describe 'No value reaches the audit trail' -Tag 'Audit', 'Canary' {
    It 'holds no canary from any path, in any form' {
        $db = New-Catalog
        $canaries = [ordered]@{
            env       = New-Canary 'auditenv'
            vault     = New-Canary 'auditvault'
            plaintext = New-Canary 'auditplain'
            encrypted = New-Canary 'auditenc'
            rotated   = New-Canary 'auditrot'
            default   = New-Canary 'auditdefault'
        }
        Set-TestVariable 'DCA_PASSWORD' $canaries.env
        $null = New-DcEncryptionKey
        Add-Pg 'env'
        Add-Pg 'vault' -Password $canaries.vault -Extra @{ Vault = $script:Vault }
        Add-Pg 'plain' -Password $canaries.plaintext -Extra @{ AllowPlaintext = $true }
        Add-Pg 'enc' -Password $canaries.encrypted -Extra @{ Encrypt = $true }
        Add-Pg 'withdefault' -Password ('${DCA_UNSET:-' + $canaries.default + '}') -Extra @{ AllowPlaintext = $true }
        Set-DcSourceSecret -Name env -Field password -Secret (ConvertTo-SecureString $canaries.rotated -AsPlainText -Force) -Vault $script:Vault
        $null = Get-DcSourceConnection -Name env, vault, plain, enc, withdefault -AsPlainText
        $null = Test-DcSource -Quiet -AllowPlaintext
        Convert-DcSourceSecret -Vault $script:Vault -Confirm:$false | Out-Null
        Remove-DcSource -Name vault -Confirm:$false

        $events = @(Get-Events $db)
        $events.Count | Should -BeGreaterThan 10
        $dump = Join-Path $TestDrive 'audit-dump.txt'
        $events | ForEach-Object { '{0}|{1}|{2}|{3}|{4}' -f $_.action, $_.source_name, $_.user, $_.fields, $_.context } | Set-Content -LiteralPath $dump
        # Besides the forms Find-Canary looks for (verbatim, the GUID part that survives JSON and URL escaping),
        # the Base64 of each canary.
        $forms = [ordered]@{}
        foreach ($entry in $canaries.GetEnumerator()) {
            $forms[$entry.Key] = $entry.Value
            $forms["$($entry.Key) (base64)"] = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($entry.Value))
        }
        @(Find-Canary -Path $dump -Canaries $forms) | Should -BeNullOrEmpty
        # The default inside ${DCA_UNSET:-...} cannot move to a vault (it shares the value with a reference), so its
        # row keeps it, as a Plaintext field; only the audit dump is checked for that one.
        $inFile = [ordered]@{}
        foreach ($entry in $canaries.GetEnumerator()) { if ($entry.Key -ne 'default') { $inFile[$entry.Key] = $entry.Value } }
        @(Find-Canary -Path $db -Canaries $inFile) | Should -BeNullOrEmpty -Because 'the catalog file, audit table included, holds no converted value'
        $events | Where-Object source_name -eq 'withdefault' | Select-Object -First 1 | ForEach-Object { $_.Fields.password.new } | Should -Be '${DCA_UNSET:-********}'
    }
}
