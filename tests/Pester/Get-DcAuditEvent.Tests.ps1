#Requires -Version 7.4
# Get-DcAuditEvent: the events real Add-DcSource and Remove-DcSource calls recorded, each filter, the pipeline from
# Get-DcSource, its errors, catalogs without the table, the formatted views, -Action completion, and that it only
# reads: the catalog file stays byte-identical and no secret value ever shows.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DCT_PASSWORD')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    $script:Actions = @('add', 'set', 'import', 'remove', 'convert', 'move', 'rotate-secret', 'encrypt', 'rotate-key', 'new-key',
        'remove-key', 'set-config', 'protect-database', 'unprotect-database', 'resolve')

    function Add-PgSource([string] $Name, [string] $Database, [string] $Password = '${DCT_PASSWORD}', [switch] $AllowPlaintext) {
        $arguments = @{
            Name          = $Name
            Type          = 'postgresql'
            Connection    = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
            AllowPlaintext = [bool] $AllowPlaintext
            ErrorAction   = 'Stop'
            WarningAction = 'SilentlyContinue'
        }
        if ($Database) { $arguments.Database = $Database }
        Add-DcSource @arguments
    }

    function New-TestCatalog {
        # A private data folder for one test (or context); returns the catalog path, which does not exist yet.
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        return Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
    }

    function Wait-Tick {
        # Event times are kept to the microsecond: a time captured between two commands must fall strictly between their events.
        Start-Sleep -Milliseconds 20
    }

    function Add-RawEvent([string] $Database, [string] $Action, [string] $Source, [string] $Fields, [string] $Context, [string] $At = '2024-05-01 12:00:00.000000') {
        # An event as another DataCompass writer would record it, for what the cmdlets do not write yet (fields, details).
        $null = Invoke-RawSql -Database $Database -Sql @'
INSERT INTO dc_audit_events (at_utc, "user", host, process_id, action, source_id, source_name, fields, context)
VALUES ($at, 'alice', 'box-1', 4242, $action, 1, $source, $fields, $context);
'@ -Parameters @{ '$at' = $At; '$action' = $Action; '$source' = $Source; '$fields' = $Fields; '$context' = $Context }
    }

    function Get-Completion([string] $InputScript) {
        (TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-DcAuditEvent' {
    Context 'the events of real commands' {
        BeforeAll {
            Restore-TestEnvironment
            $script:Db = New-TestCatalog
            $script:Start = [DateTime]::UtcNow
            Add-PgSource 'pg-sales'
            Wait-Tick; $script:AfterSales = Get-Date          # local time, as a user would type it
            Wait-Tick
            Add-PgSource 'pg-hr'
            Add-PgSource 'other'
            Wait-Tick; $script:BeforeRemove = [DateTime]::UtcNow
            Wait-Tick
            Remove-DcSource 'pg-hr' -Confirm:$false -ErrorAction Stop
            $script:End = [DateTime]::UtcNow
            $script:DataDir = $env:DATACOMPASS_DATA_DIR
        }

        It 'shows who ran which command, and each field''s reference or provenance, as the commands recorded them' {
            $events = @(Get-DcAuditEvent -Source pg-hr)
            $events.Action | Should -Be @('add', 'remove')
            $events.Command | Should -Be @('Add-DcSource', 'Remove-DcSource')
            $events[0].HostName | Should -Be $Host.Name
            $events[0].User | Should -Be ([Environment]::UserName)
            $events[0].ProcessId | Should -Be $PID
            ($events[0].Fields | Where-Object Field -eq 'host').New | Should -Be 'literal'
            ($events[1].Fields | Where-Object Field -eq 'host').Old | Should -Be 'literal'
            $events[0].Changes | Should -Match '^password: \(none\) -> \$\{DCT_PASSWORD\}; \d+ literal fields$' -Because 'the table shows references in full and counts the literal fields'
        }

        BeforeEach {
            $env:DATACOMPASS_DATA_DIR = $script:DataDir
        }

        It 'returns every event oldest first, recorded as this user, machine and process' {
            $events = @(Get-DcAuditEvent -ErrorAction Stop)
            $events.Count | Should -Be 4
            $events[0] | Should -BeOfType ([DataCompass.DcAuditEvent])
            @($events.Action) | Should -Be @('add', 'add', 'add', 'remove')
            @($events.Source) | Should -Be @('pg-sales', 'pg-hr', 'other', 'pg-hr')
            @($events.Id) | Should -Be @($events.Id | Sort-Object)
            $events[3].SourceId | Should -Be $events[1].SourceId
            foreach ($event in $events) {
                $event.User | Should -Be ([Environment]::UserName)
                $event.Machine | Should -Be ([Environment]::MachineName)
                $event.ProcessId | Should -Be $PID
                $event.Outcome | Should -Be 'succeeded'
                $event.ErrorId | Should -BeNullOrEmpty
                $event.Database | Should -Be $script:Db
                $event.Time.Kind | Should -Be ([DateTimeKind]::Utc)
                $event.Time | Should -BeGreaterOrEqual $script:Start.AddSeconds(-1)
                $event.Time | Should -BeLessOrEqual $script:End.AddSeconds(1)
                , $event.Fields | Should -BeOfType ([DataCompass.DcAuditFieldChange[]])
                $event.Details | Should -BeOfType ([System.Collections.Specialized.OrderedDictionary])
            }
        }

        It '-Source takes wildcards, ignores case, and finds the events of a removed source' {
            @((Get-DcAuditEvent -Source 'pg-*').Source) | Should -Be @('pg-sales', 'pg-hr', 'pg-hr')
            @((Get-DcAuditEvent -Source 'PG-H?').Action) | Should -Be @('add', 'remove')
            @((Get-DcAuditEvent 'pg-hr').Action) | Should -Be @('add', 'remove')
            @((Get-DcAuditEvent -Name 'OTHER').Source) | Should -Be @('other')
            @((Get-DcAuditEvent -Source 'other', 'pg-sales').Source) | Should -Be @('pg-sales', 'other')
        }

        It '-Source that matches no event returns nothing, without an error' {
            $found = Get-DcAuditEvent -Source 'nothing-here', 'no*' -ErrorVariable errors
            $found | Should -BeNullOrEmpty
            $errors | Should -BeNullOrEmpty
        }

        It '-Action filters, ignoring case, with wildcards, and together with -Source' {
            @((Get-DcAuditEvent -Action remove).Source) | Should -Be @('pg-hr')
            @(Get-DcAuditEvent -Action ADD).Count | Should -Be 3
            @((Get-DcAuditEvent -Action 'rem*', 'add' -Source 'pg-hr').Action) | Should -Be @('add', 'remove')
            Get-DcAuditEvent -Action 'rotate-*' | Should -BeNullOrEmpty
        }

        It '-Since and -Until take times captured between the commands, local or UTC' {
            @((Get-DcAuditEvent -Since $script:AfterSales).Source) | Should -Be @('pg-hr', 'other', 'pg-hr')
            @((Get-DcAuditEvent -Until $script:AfterSales).Source) | Should -Be @('pg-sales')
            @((Get-DcAuditEvent -Since $script:AfterSales -Until $script:BeforeRemove).Source) | Should -Be @('pg-hr', 'other')
            @((Get-DcAuditEvent -Since $script:BeforeRemove).Action) | Should -Be @('remove')
            @((Get-DcAuditEvent -Since $script:AfterSales.ToUniversalTime() -Source 'pg-*').Action) | Should -Be @('add', 'remove')
            Get-DcAuditEvent -Since $script:End.AddSeconds(5) | Should -BeNullOrEmpty
        }

        It '-Last gives the newest events, oldest first, of those that pass the other filters' {
            @((Get-DcAuditEvent -Last 2).Source) | Should -Be @('other', 'pg-hr')
            @((Get-DcAuditEvent -Last 2).Action) | Should -Be @('add', 'remove')
            @((Get-DcAuditEvent -Last 1 -Source 'pg-*' -Action add).Source) | Should -Be @('pg-hr')
            @((Get-DcAuditEvent -Last 2 -Source 'pg-sales', 'other').Source) | Should -Be @('pg-sales', 'other')
            @(Get-DcAuditEvent -Last 100).Count | Should -Be 4
            { Get-DcAuditEvent -Last 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,DataCompass.Commands.GetDcAuditEventCommand'
        }

        It 'takes sources from Get-DcSource, strings and events by the pipeline; an empty pipeline gets nothing' {
            @((Get-DcSource 'pg*' | Get-DcAuditEvent).Source) | Should -Be @('pg-sales')
            @((Get-DcSource | Get-DcAuditEvent).Source) | Should -Be @('pg-sales', 'other')
            @(('pg-hr', 'other' | Get-DcAuditEvent).Source) | Should -Be @('pg-hr', 'other', 'pg-hr')
            @((Get-DcAuditEvent -Action remove | Get-DcAuditEvent).Action) | Should -Be @('add', 'remove')
            Get-DcSource 'nomatch*' | Get-DcAuditEvent | Should -BeNullOrEmpty
            $null | Get-DcAuditEvent | Should -BeNullOrEmpty -Because 'a $null piped is no request for every event'
        }

        It '-Last counts across all piped sources' {
            @((Get-DcSource | Get-DcAuditEvent -Last 1).Source) | Should -Be @('other')
        }

        It 'reads piped sources from the catalog they came from, unless -Database names another' {
            $other = Join-Path $TestDrive "other-$([guid]::NewGuid().ToString('n'))/o.db"
            Add-PgSource 'elsewhere' -Database $other
            $events = @(Get-DcSource -Database $other | Get-DcAuditEvent)
            @($events.Source) | Should -Be @('elsewhere')
            $events[0].Database | Should -Be $other
            Get-DcSource -Database $other | Get-DcAuditEvent -Database $script:Db | Should -BeNullOrEmpty
            @((Get-DcAuditEvent -Database $other).Source) | Should -Be @('elsewhere')
        }

        It 'shows the table columns, readable at 120 columns' {
            $text = Get-DcAuditEvent | Out-String -Width 120
            $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Time \(UTC\)\s+Action\s+Source\s+User\s+Command\s+Outcome\s+Changes$'
            $lines.Count | Should -Be 6
            $lines[2] | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+add\s+pg-sales\s+\S+\s+\S+\s+succeeded'
            $lines[5] | Should -Match '\sremove\s+pg-hr\s'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
        }

        It 'has a list view with the actor, the context and the catalog' {
            $text = Get-DcAuditEvent -Action remove | Format-List | Out-String -Width 120
            foreach ($label in 'Id', 'Time', 'Action', 'Source', 'SourceId', 'Outcome', 'ErrorId', 'Changes', 'Details', 'User', 'Machine', 'ProcessId', 'HostName', 'Command', 'Database') {
                $text | Should -Match "(?m)^$label\s+:"
            }
            $text | Should -Match "(?m)^ProcessId\s+: $PID$"
            $text | Should -Match '(?m)^Time\s+: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}Z$'
        }

        It 'leaves the catalog file byte-identical, whatever it is asked' {
            $before = (Get-FileHash -Algorithm SHA256 -LiteralPath $script:Db).Hash
            $null = Get-DcAuditEvent
            $null = Get-DcAuditEvent -Source 'pg-*' -Action add -Since $script:AfterSales -Until ([DateTime]::UtcNow) -Last 1
            $null = Get-DcSource | Get-DcAuditEvent
            try { $null = Get-DcAuditEvent -Action bogus } catch { $_.FullyQualifiedErrorId | Should -BeLike 'DcAuditActionInvalid,*' }
            (Get-FileHash -Algorithm SHA256 -LiteralPath $script:Db).Hash | Should -Be $before
            $wal = Get-Item -LiteralPath "$($script:Db)-wal" -ErrorAction Ignore
            if ($wal) { $wal.Length | Should -Be 0 -Because 'a read writes nothing to the WAL either' }
        }

        It 'holds no read open while the next command runs' {
            Invoke-RawSql -Database $script:Db -Sql 'CREATE TABLE IF NOT EXISTS scratch (n INTEGER);' | Out-Null
            $busy = Get-DcAuditEvent -Last 2 | ForEach-Object {
                (Invoke-RawSql -Database $script:Db -Sql 'PRAGMA busy_timeout = 0; INSERT INTO scratch VALUES (1); PRAGMA wal_checkpoint(TRUNCATE);' | Select-Object -Last 1).busy
            }
            @($busy) | Should -Be @(0, 0)
        }
    }

    Context 'fields and details' {
        BeforeAll {
            Restore-TestEnvironment
            $script:Db = New-TestCatalog
            Add-PgSource 'pg-sales'
            Add-RawEvent $script:Db 'convert' 'pg-sales' `
                '{"password": {"old": "plaintext", "new": "${secret:Store/DataCompass-pg-sales-password}"}, "token": {"old": null, "new": "encrypted"}}' `
                '{"command": "Convert-DcSourceSecret", "host_name": "ConsoleHost", "outcome": "succeeded", "error_id": null, "vault": "Store", "references": ["a", "b"]}' `
                -At '2999-01-01 00:00:00.000000'
            Add-RawEvent $script:Db 'resolve' 'pg-sales' '{"password": {"old": "${secret:Store/x}", "new": null}}' `
                '{"command": "Get-DcSourceConnection", "host_name": "Default Host", "outcome": "failed", "error_id": "DcSecretNotFound"}' `
                -At '2999-01-02 00:00:00.000000'
            $script:DataDir = $env:DATACOMPASS_DATA_DIR
        }

        BeforeEach {
            $env:DATACOMPASS_DATA_DIR = $script:DataDir
        }

        It 'turns the stored fields and context into Fields, Command, HostName, Outcome, ErrorId and Details' {
            $event = Get-DcAuditEvent -Action convert -ErrorAction Stop
            $event.Command | Should -Be 'Convert-DcSourceSecret'
            $event.HostName | Should -Be 'ConsoleHost'
            $event.User | Should -Be 'alice'
            $event.Machine | Should -Be 'box-1'
            $event.ProcessId | Should -Be 4242
            @($event.Fields.Field) | Should -Be @('password', 'token')
            $event.Fields[0].Old | Should -Be 'plaintext'
            $event.Fields[0].New | Should -Be '${secret:Store/DataCompass-pg-sales-password}'
            $event.Fields[1].Old | Should -BeNullOrEmpty
            @($event.Details.Keys) | Should -Be @('vault', 'references')
            $event.Details.vault | Should -Be 'Store'
            @($event.Details.references) | Should -Be @('a', 'b')
            $event.Changes | Should -Be 'password: plaintext -> ${secret:Store/DataCompass-pg-sales-password}; token: (none) -> encrypted'
            $event.Time | Should -Be ([DateTime]::new(2999, 1, 1, 0, 0, 0, [DateTimeKind]::Utc))
        }

        It 'shows a failure with its error id' {
            $event = Get-DcAuditEvent -Action resolve
            $event.Outcome | Should -Be 'failed'
            $event.ErrorId | Should -Be 'DcSecretNotFound'
            $event.Changes | Should -Be 'password: ${secret:Store/x} -> (none)'
        }

        It 'shows the changes and the command in the table, one line an event within 120 columns, and all of them in the list view' {
            $text = Get-DcAuditEvent -Action convert | Out-String -Width 120
            $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
            $lines.Count | Should -Be 3 -Because 'a header, its rule and one line for the event'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
            $text | Should -Match 'Convert-DcSourceSecret succeeded password: plaintext'
            $list = Get-DcAuditEvent -Action convert | Format-List | Out-String -Width 120
            $list | Should -Match '(?m)^Changes\s+: password: plaintext -> \$\{secret:Store/DataCompass-pg-sales-password\}$'
            $list | Should -Match '(?m)^\s+token: \(none\) -> encrypted$'
            $list | Should -Match '(?m)^Details\s+: vault = Store$'
            $list | Should -Match '(?m)^\s+references = a, b$'
        }

        It 'reports a damaged event with DcAuditEventInvalid and still returns it and the others' {
            $copy = Join-Path $TestDrive "damaged-$([guid]::NewGuid().ToString('n')).db"
            Copy-Item -LiteralPath (Join-Path $script:DataDir 'datacompass.db') -Destination $copy
            Invoke-RawSql -Database $copy -Sql "UPDATE dc_audit_events SET fields = '{`"password`": ' WHERE action = 'convert';" | Out-Null
            $events = @(Get-DcAuditEvent -Database $copy -ErrorVariable problems -ErrorAction SilentlyContinue)
            @($events.Action) | Should -Be @('add', 'convert', 'resolve')
            $events[1].Fields | Should -BeNullOrEmpty
            $events[1].Command | Should -Be 'Convert-DcSourceSecret'
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcAuditEventInvalid' 'Get-DcAuditEvent')
            $problems[0].Exception.Message | Should -BeLike "*fields of audit event $($events[1].Id) (convert of source 'pg-sales')*"
            $problems[0].TargetObject | Should -Be "$($events[1].Id)"
        }
    }

    Context 'errors' {
        BeforeAll {
            Restore-TestEnvironment
            $script:Db = New-TestCatalog
            Add-PgSource 'pg-sales'
            $script:DataDir = $env:DATACOMPASS_DATA_DIR
        }

        BeforeEach {
            $env:DATACOMPASS_DATA_DIR = $script:DataDir
        }

        It 'ends with DcAuditActionInvalid naming an action that does not exist, and lists the actions' {
            { Get-DcAuditEvent -Action 'add', 'delete' -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcAuditActionInvalid' 'Get-DcAuditEvent')
            $Error[0].Exception.Message | Should -BeLike "*'delete' is not an audit action*add, set, import, remove*resolve*"
            $Error[0].TargetObject | Should -Be 'delete'
            $Error[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'ends with DcAuditActionInvalid for a pattern that matches no action' {
            { Get-DcAuditEvent -Action 'zap*' } | Should -Throw -ErrorId (Get-DcErrorId 'DcAuditActionInvalid' 'Get-DcAuditEvent')
            $Error[0].Exception.Message | Should -BeLike '*''zap`** pattern*' 
        }

        It 'ends with DcAuditTimeRangeInvalid when -Until is before -Since' {
            $now = Get-Date
            { Get-DcAuditEvent -Since $now -Until $now.AddMinutes(-1) } | Should -Throw -ErrorId (Get-DcErrorId 'DcAuditTimeRangeInvalid' 'Get-DcAuditEvent')
            $Error[0].Exception.Message | Should -BeLike '*-Until*before -Since*'
            @(Get-DcAuditEvent -Since $now.AddDays(-1) -Until $now.AddDays(-1)).Count | Should -Be 0
        }

        It 'ends with DcCatalogNotFound when the catalog does not exist, and creates nothing' {
            $missing = Join-Path $TestDrive "missing-$([guid]::NewGuid().ToString('n'))/c.db"
            { Get-DcAuditEvent -Database $missing -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcAuditEvent')
            $Error[0].Exception.Message | Should -BeLike "*'$missing'*-Database*"
            Test-Path -LiteralPath (Split-Path $missing) | Should -BeFalse
            $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive "typo-$([guid]::NewGuid().ToString('n'))"
            { Get-DcAuditEvent -Source 'pg*' } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcAuditEvent')
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }
    }

    Context 'a catalog made before the audit trail' {
        It 'returns nothing and no error for a catalog the Python tool wrote' {
            $db = Join-Path $TestDrive "python-$([guid]::NewGuid().ToString('n')).db"
            Invoke-RawSql -Database $db -Sql @'
CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id));
INSERT INTO data_sources VALUES (1, 'legacy', NULL, 'postgresql', '{"host": "db"}', 'null', 1, NULL, NULL, NULL, '2024-01-02 03:04:05', '2024-01-02 03:04:05');
'@ | Out-Null
            $before = (Get-FileHash -LiteralPath $db).Hash
            $events = Get-DcAuditEvent -Database $db -ErrorVariable errors
            $events | Should -BeNullOrEmpty
            $errors | Should -BeNullOrEmpty
            Get-DcSource -Database $db | Get-DcAuditEvent -Last 5 | Should -BeNullOrEmpty
            (Get-FileHash -LiteralPath $db).Hash | Should -Be $before
            @(Invoke-RawSql -Database $db -Sql "SELECT name FROM sqlite_master WHERE name = 'dc_audit_events'" -ReadOnly).Count | Should -Be 0
        }

        It 'returns nothing and no error for a catalog of schema version 2' {
            Restore-TestEnvironment
            $db = New-TestCatalog
            Add-PgSource 'pg-sales'
            Invoke-RawSql -Database $db -Sql "DROP TABLE dc_audit_events; UPDATE dc_schema_info SET value = '2' WHERE key = 'schema_version';" | Out-Null
            $events = Get-DcAuditEvent -Source 'pg-sales' -ErrorVariable errors
            $events | Should -BeNullOrEmpty
            $errors | Should -BeNullOrEmpty
            @(Get-DcSource).Name | Should -Be 'pg-sales'
        }
    }

    Context 'no secret value' {
        It 'shows none in any rendering of the events of a source added with a plaintext secret' {
            Restore-TestEnvironment
            $null = New-TestCatalog
            $canary = New-Canary 'AuditPassword'
            Add-PgSource 'legacy' -Password $canary -AllowPlaintext
            Remove-DcSource 'legacy' -Confirm:$false -ErrorAction Stop
            $text = Get-StreamText {
                Get-DcAuditEvent
                Get-DcAuditEvent | Format-Table | Out-String -Width 400
                Get-DcAuditEvent | Format-List * | Out-String -Width 400
                Get-DcAuditEvent | ConvertTo-Json -Depth 6
                Get-DcAuditEvent | ForEach-Object { $_.ToString(); $_.Changes; $_.Fields; $_.Details }
            }
            $text | Should -Not -BeNullOrEmpty
            $text.Contains($canary) | Should -BeFalse
            $text.Contains(($canary -split '-')[-1]) | Should -BeFalse
        }
    }

    Context 'tab completion' {
        BeforeAll {
            Restore-TestEnvironment
            $null = New-TestCatalog
            Add-PgSource 'pg-sales'
            Add-PgSource 'pg-hr'
            $script:DataDir = $env:DATACOMPASS_DATA_DIR
        }

        BeforeEach {
            $env:DATACOMPASS_DATA_DIR = $script:DataDir
        }

        It 'completes -Action with the actions that start with the word, case ignored' {
            @((Get-Completion 'Get-DcAuditEvent -Action rot').CompletionText) | Should -Be @('rotate-secret', 'rotate-key')
            @((Get-Completion 'Get-DcAuditEvent -Action RE').CompletionText) | Should -Be @('remove', 'remove-key', 'resolve')
            $completions = @(Get-Completion 'Get-DcAuditEvent -Action ')
            @($completions.CompletionText) | Should -Be $script:Actions
            $completions | ForEach-Object { $_.ResultType | Should -Be 'ParameterValue' }
            @(Get-Completion 'Get-DcAuditEvent -Action zzz').Count | Should -Be 0
        }

        It 'completes -Action after another action and -Source with the source names' {
            @((Get-Completion 'Get-DcAuditEvent -Action add, rem').CompletionText) | Should -Be @('remove', 'remove-key')
            @((Get-Completion 'Get-DcAuditEvent -Source pg-').CompletionText) | Sort-Object | Should -Be @('pg-hr', 'pg-sales')
            @((Get-Completion 'Get-DcAuditEvent pg-s').CompletionText) | Should -Be @('pg-sales')
        }

        It 'uses the SourceNameCompleter for -Source' {
            $attribute = (Get-Command Get-DcAuditEvent).Parameters['Source'].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
            $attribute.Type.Name | Should -BeExactly 'SourceNameCompleter'
        }
    }

    Context 'help' {
        It 'runs every example of its help against a real catalog' {
            Restore-TestEnvironment
            $null = New-TestCatalog
            Add-PgSource 'prod'
            Add-PgSource 'pg-sales'
            $examples = @((Get-Help Get-DcAuditEvent -Full).examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($example in $examples) {
                $code = "$($example.code)".Trim()
                { $ErrorActionPreference = 'Stop'; $null = . ([scriptblock]::Create($code)) } | Should -Not -Throw -Because "the example '$($example.title.Trim('- '))' must run"
            }
        }
    }
}
