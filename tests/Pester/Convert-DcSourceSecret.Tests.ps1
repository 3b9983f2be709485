# Converting a catalog written the Python tool's way: plaintext secrets in connection_info, moved into a vault.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath

    $script:PythonDdl = 'CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), ' +
        'source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, ' +
        'last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, ' +
        'created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id)); ' +
        'CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name);'

    $script:PythonChannelDdl = 'CREATE TABLE notification_channels (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, ' +
        'channel_type VARCHAR(50) NOT NULL, config JSON NOT NULL, is_active BOOLEAN NOT NULL, ' +
        'created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id)); ' +
        'CREATE UNIQUE INDEX ix_notification_channels_name ON notification_channels (name);'

    function New-PythonCatalog {
        # Plaintext secrets in all three adapters, the legacy mask, and a reference that must stay as it is.
        # With -Channels, also the Python tool's notification_channels (see New-PythonChannels).
        param([string] $Database, [hashtable] $Secrets, [hashtable] $Channels)
        Invoke-RawSql -Database $Database -Sql $script:PythonDdl | Out-Null
        if ($Channels) { New-PythonChannels -Database $Database -Secrets $Channels }
        $rows = @(
            @{ id = 1; name = 'pg'; type = 'postgresql'; info = '{"host": "db", "port": 5432, "database": "sales", "username": "app", "password": "' + $Secrets.pg + '", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": ["pg_catalog", "information_schema", "pg_toast"], "connect_timeout": 10, "query_timeout": 300}' }
            @{ id = 2; name = 'sf'; type = 'snowflake'; info = '{"account": "acme", "warehouse": "wh", "database": "db", "username": "svc", "password": "' + $Secrets.sf + '", "role": null, "schema_filter": null, "exclude_schemas": ["INFORMATION_SCHEMA"], "connect_timeout": 30, "query_timeout": 300}' }
            @{ id = 3; name = 'dbx'; type = 'databricks'; info = '{"host": "adb", "http_path": "/sql", "catalog": "main", "auth_method": "service_principal", "access_token": null, "client_id": "app", "client_secret": "' + $Secrets.dbx + '", "tenant_id": "t", "schema_filter": null, "timeout_seconds": 300, "max_retries": 3}' }
            @{ id = 4; name = 'legacy'; type = 'postgresql'; info = '{"host": "old", "port": 5432, "database": "d", "username": "u", "password": "**********", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}' }
            @{ id = 5; name = 'env'; type = 'postgresql'; info = '{"host": "h", "port": 5432, "database": "d", "username": "u", "password": "${PG_PASSWORD}", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}' }
        )
        foreach ($row in $rows) {
            Invoke-RawSql -Database $Database -Sql 'INSERT INTO data_sources VALUES ($id, $name, NULL, $type, $info, ''null'', 1, NULL, NULL, NULL, ''2024-01-02 03:04:05.123456'', ''2024-01-02 03:04:05'')' `
                -Parameters @{ '$id' = $row.id; '$name' = $row.name; '$type' = $row.type; '$info' = $row.info } | Out-Null
        }
    }

    function New-PythonChannels {
        <#
        .SYNOPSIS
            The Python tool's notification_channels, config as its json.dumps writes it (", ", ": ", non-ASCII escaped):
            an email channel (smtp_password), a slack channel (webhook_url), a webhook channel (a credential
            Authorization header, a Content-Type header and an X-Api-Key that is already a reference) and an email
            channel holding the legacy mask. $Secrets holds smtp, slack (the whole URL) and hook (the header value).
        #>
        param([string] $Database, [hashtable] $Secrets)
        Invoke-RawSql -Database $Database -Sql $script:PythonChannelDdl | Out-Null
        $rows = @(
            @{ id = 1; name = 'ops-mail'; type = 'email'; config = '{"smtp_host": "smtp.example.com", "smtp_port": 587, "smtp_user": "alerts", "smtp_password": "' + $Secrets.smtp + '", "from_address": "alerts@example.com", "to_addresses": ["ops@example.com", "dba@example.com"], "use_tls": true, "from_name": "\u00c9quipe donn\u00e9es"}' }
            @{ id = 2; name = 'team-slack'; type = 'slack'; config = '{"webhook_url": "' + $Secrets.slack + '", "channel": "#alerts", "username": "datacompass", "mention_users": []}' }
            @{ id = 3; name = 'hook'; type = 'webhook'; config = '{"url": "https://example.com/hook", "method": "POST", "headers": {"Authorization": "' + $Secrets.hook + '", "Content-Type": "application/json", "X-Api-Key": "${HOOK_API_KEY}"}, "timeout_seconds": 10, "verify_ssl": true}' }
            @{ id = 4; name = 'legacy-mail'; type = 'email'; config = '{"smtp_host": "old.example.com", "smtp_port": 25, "smtp_user": "u", "smtp_password": "**********", "from_address": "a@example.com", "to_addresses": [], "use_tls": false}' }
        )
        foreach ($row in $rows) {
            Invoke-RawSql -Database $Database -Sql 'INSERT INTO notification_channels VALUES ($id, $name, $type, $config, 1, ''2024-01-02 03:04:05.123456'', ''2024-01-02 03:04:05.123456'')' `
                -Parameters @{ '$id' = $row.id; '$name' = $row.name; '$type' = $row.type; '$config' = $row.config } | Out-Null
        }
    }

    function Get-CatalogFiles([string] $Database) {
        Get-ChildItem -Path (Split-Path $Database) -File | Where-Object Name -like "$(Split-Path -Leaf $Database)*" | ForEach-Object FullName
    }
}

Describe 'Convert-DcSourceSecret' -Tag 'Integration', 'Vault' {
    BeforeEach {
        $script:Vault = New-TestVault -Default
        $script:Secrets = @{ pg = New-Canary 'pg'; sf = New-Canary 'sf'; dbx = New-Canary 'dbx' }
        $script:Db = Join-Path $TestDrive "python-$(New-Guid).db"
        New-PythonCatalog -Database $script:Db -Secrets $script:Secrets
    }

    AfterEach {
        Remove-TestVault -Name $script:Vault
    }

    It 'moves every plaintext secret to the vault, one result per field, and every source resolves to its old value' {
        $results = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $byField = @{}
        foreach ($result in $results) { $byField["$($result.Source).$($result.Field)"] = $result.Status }
        $byField['pg.password'] | Should -Be 'Converted'
        $byField['sf.password'] | Should -Be 'Converted'
        $byField['dbx.client_secret'] | Should -Be 'Converted'
        $byField['dbx.access_token'] | Should -Be 'AlreadySafe'
        $byField['legacy.password'] | Should -Be 'Broken'
        $byField['env.password'] | Should -Be 'AlreadySafe'
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*legacy*Set-DcSourceSecret*"

        (Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Name | Should -Be @('legacy')
        (Get-DcSource pg -Database $script:Db).Fields.Where({ $_.Name -eq 'password' }).Value | Should -Be "`${secret:$($script:Vault)/DataCompass-pg-password}"
        (Get-DcSourceConnection pg -Database $script:Db -AsPlainText).Settings['password'] | Should -BeExactly $script:Secrets.pg
        (Get-DcSourceConnection sf -Database $script:Db -AsPlainText).Settings['password'] | Should -BeExactly $script:Secrets.sf
        (Get-DcSourceConnection dbx -Database $script:Db -AsPlainText).Settings['client_secret'] | Should -BeExactly $script:Secrets.dbx
    }

    It 'prints the warning about a Broken field once: the result gives the reason, not the warning again' {
        $results = @(Convert-DcSourceSecret -Name legacy -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $results.Status | Should -Be 'Broken'
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "Source 'legacy', field 'password' holds `"**********`", which an older datacompass*Set-DcSourceSecret."
        $results[0].Message | Should -BeExactly 'Not migrated: "**********" is no credential.'
        $shown = ($results | Out-String -Width 400) + ($results | Format-List | Out-String -Width 400)
        $shown | Should -Not -BeLike '*older datacompass*'

        # What a user sees in the console: the warning, then the table.
        $run = Invoke-ChildPwsh -Script "Import-Module '$($script:DcModulePath)'; Convert-DcSourceSecret -Name legacy -Database '$($script:Db)' -Confirm:`$false"
        $run.ExitCode | Should -Be 0 -Because $run.Text
        ([regex]::Matches($run.Text, 'which an older datacompass stored')).Count | Should -Be 1 -Because $run.Text
        $run.Text | Should -Match '(?m)^legacy\s+password\s+Broken\s+Not migrated'
    }

    It 'leaves no byte of any converted value in the database file or its -wal' {
        $null = Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue
        foreach ($file in Get-CatalogFiles $script:Db) {
            foreach ($secret in $script:Secrets.Values) {
                Test-BytesContain -Path $file -Text $secret | Should -BeFalse -Because "$file must not hold a converted value"
            }
        }
        # Positive control: the references are there.
        Test-AnyContains -Path (Get-CatalogFiles $script:Db) -Text 'DataCompass-pg-password' | Should -BeTrue
    }

    It 'converges when run again: nothing to do, no duplicate secret' {
        $null = Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue
        $again = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue)
        @($again | Where-Object Status -eq 'Converted') | Should -BeNullOrEmpty
        @(Get-SecretInfo -Vault $script:Vault | Where-Object Name -like 'DataCompass-*').Count | Should -Be 3
    }

    It 'picks up a secret an interrupted run wrote before it died' {
        Set-Secret -Name DataCompass-pg-password -Vault $script:Vault -Secret $script:Secrets.pg
        $result = Convert-DcSourceSecret -Name pg -Database $script:Db -Confirm:$false
        $result.Status | Should -Be 'Converted'
        (Get-DcSourceConnection pg -Database $script:Db -AsPlainText).Settings['password'] | Should -BeExactly $script:Secrets.pg
    }

    It 'lists source, field and target with -WhatIf and changes nothing' {
        $before = Get-FolderSnapshot (Split-Path $script:Db)
        $results = @(Convert-DcSourceSecret -Database $script:Db -WhatIf -WarningAction SilentlyContinue)
        ($results | Where-Object { $_.Source -eq 'pg' }).Status | Should -Be 'Planned'
        ($results | Where-Object { $_.Source -eq 'pg' }).Reference | Should -Be "`${secret:$($script:Vault)/DataCompass-pg-password}"
        @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 0
        (Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Count | Should -Be 4
        Get-FolderSnapshot (Split-Path $script:Db) | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' } |
            Should -Be ($before | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' })
    }

    It 'stops at a failing vault, says how far it got, and leaves the rest untouched' {
        $failing = New-TestVault -Behaviour @{ FailAfter = 1 }
        try {
            { Convert-DcSourceSecret -Database $script:Db -Vault $failing -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcVaultFailed' 'Convert-DcSourceSecret')
            $Error[0].Exception.Message | Should -BeLike '*Converted 1 of 3 fields*'
            @(Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Count | Should -Be 3
            $still = Get-DcSource -Database $script:Db | Where-Object { -not $_.HasPlaintextSecret -and $_.Name -ne 'env' }
            @($still).Count | Should -Be 1
            Get-DcSourceConnection $still.Name -Database $script:Db -AsPlainText | Should -Not -BeNullOrEmpty -Because "a connection is emitted only when every field resolved"
        }
        finally {
            Remove-TestVault -Name $failing
        }
    }

    It 'refuses without a vault, changing nothing' {
        Remove-TestVault -Name $script:Vault
        $others = @(Get-SecretVault | Where-Object Name -notlike 'DcTest*')
        if ($others) { Set-ItResult -Skipped -Because 'a vault that is not a test vault is registered'; return }
        { Convert-DcSourceSecret -Database $script:Db -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-DcErrorId 'DcNoVaultAvailable' 'Convert-DcSourceSecret')
        @(Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Count | Should -Be 4
    }
}

Describe 'Convert-DcSourceSecret and the notification channels' -Tag 'Integration', 'Vault' {
    BeforeAll {
        $script:ChannelSql = 'SELECT id, name, channel_type, config, is_active, created_at, updated_at FROM notification_channels ORDER BY id'

        function Get-ChannelRow([string] $Database) {
            @(Invoke-RawSql -Database $Database -Sql $script:ChannelSql -ReadOnly | ForEach-Object { $_ | ConvertTo-Json -Compress })
        }

        function Get-ChannelConfig([string] $Database, [string] $Name) {
            (Invoke-RawSql -Database $Database -Sql 'SELECT config FROM notification_channels WHERE name = $name' -Parameters @{ '$name' = $Name } -ReadOnly).config
        }

        function Get-SecretNameOf([string] $Reference) {
            if ($Reference -notmatch '^\$\{secret:[^/]+/(?<name>.+)\}$') { throw "Not a vault reference: $Reference" }
            $Matches.name
        }

        function Select-ChannelResult($Results) {
            $byField = [ordered]@{}
            foreach ($result in @($Results | Where-Object Kind -eq 'NotificationChannel')) { $byField["$($result.Source).$($result.Field)"] = $result }
            $byField
        }
    }

    BeforeEach {
        $script:Vault = New-TestVault -Default
        $script:Secrets = @{ pg = New-Canary 'pg'; sf = New-Canary 'sf'; dbx = New-Canary 'dbx' }
        $script:ChannelSecrets = @{
            smtp  = New-Canary 'smtp'
            slack = 'https://hooks.slack.com/services/T0001/B0001/' + (New-Canary 'slack')
            hook  = 'Bearer ' + (New-Canary 'hook')
        }
        $script:Db = Join-Path $TestDrive "channels-$(New-Guid).db"
        New-PythonCatalog -Database $script:Db -Secrets $script:Secrets -Channels $script:ChannelSecrets
        $script:OriginalConfig = @{}
        foreach ($name in 'ops-mail', 'team-slack', 'hook', 'legacy-mail') { $script:OriginalConfig[$name] = Get-ChannelConfig $script:Db $name }
    }

    AfterEach {
        Remove-TestVault -Name $script:Vault
    }

    It 'reports each plaintext channel value as NotSelected, with one warning, and leaves the channels as they were' {
        # No source selected: nothing needs a vault, the file is not even opened for writing.
        $before = Get-FolderSnapshot (Split-Path $script:Db)
        $reported = @(Convert-DcSourceSecret -Name 'none*' -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        Get-FolderSnapshot (Split-Path $script:Db) | Should -Be $before
        $reported.Kind | Should -Be @('NotificationChannel', 'NotificationChannel', 'NotificationChannel')
        @(Select-ChannelResult $reported).Keys | Should -Be @('hook.headers.Authorization', 'ops-mail.smtp_password', 'team-slack.webhook_url')
        $reported.Status | Should -Be @('NotSelected', 'NotSelected', 'NotSelected')
        @($reported | Where-Object Reference) | Should -BeNullOrEmpty
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "3 secret values are stored in plaintext in notification channels 'hook', 'ops-mail', 'team-slack'*-IncludeNotificationChannel*"

        # Converting the sources reports the channels the same way, and leaves their rows untouched.
        $rows = Get-ChannelRow $script:Db
        $results = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        ($results | Where-Object { $_.Source -eq 'pg' }).Status | Should -Be 'Converted'
        $channelResults = Select-ChannelResult $results
        @($channelResults.Keys) | Should -Be @('hook.headers.Authorization', 'ops-mail.smtp_password', 'team-slack.webhook_url')
        @($channelResults.Values.Status | Sort-Object -Unique) | Should -Be @('NotSelected')
        @($warnings | Where-Object { "$_" -like '*notification channel*' }).Count | Should -Be 1
        @($warnings).Count | Should -Be 2 -Because 'the other warning is the legacy source'
        Get-ChannelRow $script:Db | Should -Be $rows
        @(Get-SecretInfo -Vault $script:Vault | Where-Object Name -like 'DataCompass-channel-*') | Should -BeNullOrEmpty
        $text = (@($results | ConvertTo-Json -Depth 3) + @($warnings | ForEach-Object { "$_" })) -join "`n"
        foreach ($secret in $script:ChannelSecrets.Values) { $text.Contains($secret) | Should -BeFalse }
    }

    It 'converts the channels with -IncludeNotificationChannel: references in config, values in the vault, every other key kept' {
        $results = @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $channel = Select-ChannelResult $results
        @($channel.Keys) | Should -Be @('hook.headers.Authorization', 'hook.headers.X-Api-Key', 'legacy-mail.smtp_password', 'ops-mail.smtp_password', 'team-slack.webhook_url')
        $channel['ops-mail.smtp_password'].Status | Should -Be 'Converted'
        $channel['team-slack.webhook_url'].Status | Should -Be 'Converted'
        $channel['hook.headers.Authorization'].Status | Should -Be 'Converted'
        $channel['hook.headers.X-Api-Key'].Status | Should -Be 'AlreadySafe'
        $channel['legacy-mail.smtp_password'].Status | Should -Be 'Broken'
        @($warnings | Where-Object { "$_" -like "Notification channel 'legacy-mail', field 'smtp_password' holds*" }).Count | Should -Be 1
        @($warnings | Where-Object { "$_" -like '*-IncludeNotificationChannel*' }) | Should -BeNullOrEmpty
        ($results | Where-Object { $_.Source -eq 'sf' }).Status | Should -Be 'Converted'

        $expected = @{
            'ops-mail'   = @{ Field = 'ops-mail.smtp_password'; Value = $script:ChannelSecrets.smtp }
            'team-slack' = @{ Field = 'team-slack.webhook_url'; Value = $script:ChannelSecrets.slack }
            'hook'       = @{ Field = 'hook.headers.Authorization'; Value = $script:ChannelSecrets.hook }
        }
        foreach ($name in $expected.Keys) {
            $reference = $channel[$expected[$name].Field].Reference
            $reference | Should -BeLike "`${secret:$($script:Vault)/DataCompass-channel-$name-*}"
            # Byte for byte the old text with the value swapped for its reference: keys, order and escaping kept.
            Get-ChannelConfig $script:Db $name | Should -BeExactly $script:OriginalConfig[$name].Replace('"' + $expected[$name].Value + '"', '"' + $reference + '"')
            Get-Secret -Vault $script:Vault -Name (Get-SecretNameOf $reference) -AsPlainText | Should -BeExactly $expected[$name].Value
        }
        Get-ChannelConfig $script:Db 'legacy-mail' | Should -BeExactly $script:OriginalConfig['legacy-mail']
        $stamps = @{}
        foreach ($row in Invoke-RawSql -Database $script:Db -Sql 'SELECT name, created_at, updated_at FROM notification_channels' -ReadOnly) { $stamps[$row.name] = $row }
        $stamps['hook'].updated_at | Should -Not -Be '2024-01-02 03:04:05.123456'
        $stamps['hook'].updated_at | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$'
        $stamps['hook'].created_at | Should -Be '2024-01-02 03:04:05.123456'
        $stamps['legacy-mail'].updated_at | Should -Be '2024-01-02 03:04:05.123456'
    }

    It 'shows its results as a table that keeps every column at 120 columns and cuts no cell' {
        # A source with a 32-character name, whose reference is then longer than the room left for it.
        $long = 'warehouse-analytics-eu-west-prod'
        $info = '{"host": "db", "port": 5432, "database": "d", "username": "u", "password": "' + (New-Canary 'long') + '", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}'
        Invoke-RawSql -Database $script:Db -Sql 'INSERT INTO data_sources VALUES (6, $name, NULL, ''postgresql'', $info, ''null'', 1, NULL, NULL, NULL, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05'')' `
            -Parameters @{ '$name' = $long; '$info' = $info } | Out-Null

        $planned = Convert-DcSourceSecret -Database $script:Db -WhatIf -WarningAction SilentlyContinue | Out-String -Width 120
        $planned | Should -Match "(?m)^pg\s+password\s+Planned\s+\`$\{secret:$($script:Vault)/DataCompass-pg-password\}\s*$"

        $results = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue)
        $text = $results | Out-String -Width 120
        $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
        $lines[0] | Should -Match '^Source\s+Field\s+Status\s+Reference / Message$'
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
        $text | Should -Not -Match '…|\.\.\.' -Because 'no cell is cut'
        $text | Should -Match "(?m)^pg\s+password\s+Converted\s+\`$\{secret:$($script:Vault)/DataCompass-pg-password\}\s*$"
        $text | Should -Match "(?m)^$long\s+password\s+Converted\s+\`$\{secret:$($script:Vault)/DataCompass-" -Because 'the long reference wraps in its column'
        $text | Should -Match '(?m)^\s{40,}\S*-prod-password\}\s*$'
        $text | Should -Match '(?m)^env\s+password\s+AlreadySafe\s+The value is a reference\.'
        $text | Should -Match '(?m)^legacy\s+password\s+Broken\s+\S'
        $text | Should -Match '(?m)^channel:ops-mail\s+smtp_password\s+NotSelected\s+The value is plaintext\.'
        $text | Should -Match '(?m)^channel:hook\s+headers\.Authorization\s+NotSelected\s'
        ($results | Format-List | Out-String -Width 120) | Should -Match '(?m)^Kind\s+: NotificationChannel$'
    }

    It 'selects channels by the switch alone: -Name picks data sources only' {
        $results = @(Convert-DcSourceSecret -Name pg -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue)
        @($results | Where-Object Kind -eq 'DataSource').Source | Should -Be @('pg')
        @($results | Where-Object { $_.Kind -eq 'NotificationChannel' -and $_.Status -eq 'Converted' }).Count | Should -Be 3
        (Get-DcSource sf -Database $script:Db).HasPlaintextSecret | Should -BeTrue
    }

    It 'lists channel, field and target with -WhatIf and changes nothing' {
        $before = Get-FolderSnapshot (Split-Path $script:Db)
        $results = @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -WhatIf -WarningAction SilentlyContinue)
        $channel = Select-ChannelResult $results
        $channel['hook.headers.Authorization'].Status | Should -Be 'Planned'
        $channel['hook.headers.Authorization'].Reference | Should -BeLike "`${secret:$($script:Vault)/DataCompass-channel-hook-headers-Authorization-*}"
        $channel['team-slack.webhook_url'].Status | Should -Be 'Planned'
        @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 0
        foreach ($name in $script:OriginalConfig.Keys) { Get-ChannelConfig $script:Db $name | Should -BeExactly $script:OriginalConfig[$name] }
        Get-FolderSnapshot (Split-Path $script:Db) | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' } |
            Should -Be ($before | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' })
    }

    It 'converges when run again: nothing to do, no duplicate secret, nothing left to report' {
        $null = Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue
        $again = @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue)
        @($again | Where-Object Status -eq 'Converted') | Should -BeNullOrEmpty
        @($again | Where-Object { $_.Kind -eq 'NotificationChannel' -and $_.Status -eq 'AlreadySafe' }).Count | Should -Be 4
        @(Get-SecretInfo -Vault $script:Vault | Where-Object Name -like 'DataCompass-channel-*').Count | Should -Be 3
        @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 6

        $plain = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        @($plain | Where-Object Kind -eq 'NotificationChannel') | Should -BeNullOrEmpty
        @($warnings | Where-Object { "$_" -like '*notification channel*' }) | Should -BeNullOrEmpty
    }

    It 'picks up a channel secret an interrupted run wrote before it died, and never overwrites another value' {
        $planned = Select-ChannelResult @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -WhatIf -WarningAction SilentlyContinue)
        $hookName = Get-SecretNameOf $planned['hook.headers.Authorization'].Reference
        $slackName = Get-SecretNameOf $planned['team-slack.webhook_url'].Reference
        Set-Secret -Vault $script:Vault -Name $hookName -Secret $script:ChannelSecrets.hook
        Set-Secret -Vault $script:Vault -Name $slackName -Secret 'somebody else'

        $results = @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable failures -ErrorAction SilentlyContinue)
        $channel = Select-ChannelResult $results
        $channel['hook.headers.Authorization'].Status | Should -Be 'Converted'
        $channel['ops-mail.smtp_password'].Status | Should -Be 'Converted'
        $channel['team-slack.webhook_url'].Status | Should -Be 'Failed'
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretNameConflict' 'Convert-DcSourceSecret')
        "$($failures[0])" | Should -BeLike "Notification channel 'team-slack', field 'webhook_url': *"
        Assert-NoValue $failures $script:ChannelSecrets.slack
        Get-ChannelConfig $script:Db 'team-slack' | Should -BeExactly $script:OriginalConfig['team-slack']
        Get-Secret -Vault $script:Vault -Name $slackName -AsPlainText | Should -BeExactly 'somebody else'
        @(Get-SecretInfo -Vault $script:Vault | Where-Object Name -eq $hookName).Count | Should -Be 1
    }

    It 'leaves no byte of a converted channel value in the database file, its -wal or -journal' {
        $null = Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue
        $files = @(Get-CatalogFiles $script:Db)
        $files | Should -Not -BeNullOrEmpty
        foreach ($file in $files) {
            foreach ($secret in @($script:ChannelSecrets.Values) + @($script:Secrets.Values)) {
                Test-BytesContain -Path $file -Text $secret | Should -BeFalse -Because "$file must not hold a converted value"
                Test-BytesContain -Path $file -Text ($secret -split '-')[-1] | Should -BeFalse -Because "$file must not hold even part of a converted value"
            }
        }
        # Positive control: the references and the untouched keys are there.
        Test-AnyContains -Path $files -Text 'DataCompass-channel-hook-headers-Authorization-' | Should -BeTrue
        Test-AnyContains -Path $files -Text 'hooks.slack.com' | Should -BeFalse -Because 'the whole webhook URL is the secret'
        Test-AnyContains -Path $files -Text 'smtp.example.com' | Should -BeTrue
    }

    It 'reports a channel whose config cannot be read once, by name, and converts the rest' {
        $broken = New-Canary 'broken'
        Invoke-RawSql -Database $script:Db -Sql 'INSERT INTO notification_channels VALUES (5, ''broken-mail'', ''email'', $config, 1, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05'')' `
            -Parameters @{ '$config' = '{"smtp_password": "' + $broken + '", ' } | Out-Null

        $null = Convert-DcSourceSecret -Name 'none*' -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures
        @($failures) | Should -BeNullOrEmpty -Because 'unselected channels are only reported'
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike '*The config of 1 notification channel was not readable*'

        $results = @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable failures -ErrorAction SilentlyContinue)
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcNotificationChannelInvalid' 'Convert-DcSourceSecret')
        $failures[0].TargetObject | Should -Be 'broken-mail'
        "$($failures[0])" | Should -BeLike "The stored config of notification channel 'broken-mail' is not a JSON object*"
        Assert-NoValue $failures $broken
        @($results | Where-Object Source -eq 'broken-mail') | Should -BeNullOrEmpty
        @($results | Where-Object { $_.Kind -eq 'NotificationChannel' -and $_.Status -eq 'Converted' }).Count | Should -Be 3
        (Invoke-RawSql -Database $script:Db -Sql 'SELECT config, updated_at FROM notification_channels WHERE id = 5' -ReadOnly).updated_at | Should -Be '2024-01-02 03:04:05'
        Get-ChannelConfig $script:Db 'broken-mail' | Should -BeExactly ('{"smtp_password": "' + $broken + '", ')
    }

    It 'says nothing about channels when the catalog has no notification_channels table' {
        $db = Join-Path $TestDrive "no-channels-$(New-Guid).db"
        New-PythonCatalog -Database $db -Secrets $script:Secrets
        $results = @(Convert-DcSourceSecret -IncludeNotificationChannel -Database $db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures)
        @($results | Where-Object Kind -eq 'NotificationChannel') | Should -BeNullOrEmpty
        @($results | Where-Object Status -eq 'Converted').Count | Should -Be 3
        @($warnings).Count | Should -Be 1 -Because 'the only warning is the legacy source'
        @($failures) | Should -BeNullOrEmpty
    }
}

Describe 'Convert-DcSourceSecret killed at a random moment' -Tag 'Integration', 'Vault', 'Chaos' {
    # Each round kills a converting pwsh (SIGKILL, whole process tree) after a random delay, then finishes the
    # conversion and checks every credential. $env:DATACOMPASS_CHAOS_ROUNDS raises the count (CI runs a few).
    BeforeAll {
        $script:Rounds = if ($env:DATACOMPASS_CHAOS_ROUNDS) { [int]$env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }
        $script:Random = [Random]::new()
        $exe = [Environment]::ProcessPath
        $script:Launcher = @($exe) + @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    }

    It 'loses no credential and converges, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        $vault = New-TestVault
        try {
            $db = Join-Path $TestDrive "chaos-$(New-Guid).db"
            Invoke-RawSql -Database $db -Sql $script:PythonDdl | Out-Null
            $values = @{}
            foreach ($i in 1..12) {
                $values["pg$i"] = New-Canary "chaos$i"
                $info = '{"host": "h", "port": 5432, "database": "d", "username": "u", "password": "' + $values["pg$i"] + '", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}'
                Invoke-RawSql -Database $db -Sql 'INSERT INTO data_sources VALUES ($id, $name, NULL, ''postgresql'', $info, ''null'', 1, NULL, NULL, NULL, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05'')' `
                    -Parameters @{ '$id' = $i; '$name' = "pg$i"; '$info' = $info } | Out-Null
            }

            # The child says START once its module and SecretManagement are loaded; the kill then lands at a random
            # moment of the conversion itself (or just after it).
            $script = Join-Path $TestDrive "convert-$(New-Guid).ps1"
            Set-Content -Path $script -Value ("Import-Module '{0}'; `$null = Get-SecretVault; 'START'; Convert-DcSourceSecret -Database '{1}' -Vault '{2}' -Confirm:`$false | Out-Null; 'DONE'" -f $script:DcModulePath, $db, $vault)
            $start = [Diagnostics.ProcessStartInfo]::new($script:Launcher[0])
            foreach ($argument in @($script:Launcher | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)) { $start.ArgumentList.Add($argument) }
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $child = [Diagnostics.Process]::Start($start)
            while (($line = $child.StandardOutput.ReadLine()) -ne $null -and $line -ne 'START') { }
            $delay = $script:Random.Next(0, 2000)
            Start-Sleep -Milliseconds $delay
            $killed = -not $child.HasExited
            if ($killed) { $child.Kill($true) }
            $child.WaitForExit()
            # Where the kill landed, for the log: before, during or after the conversion.
            $converted = @(Get-DcSource -Database $db -ErrorAction SilentlyContinue | Where-Object { -not $_.HasPlaintextSecret }).Count
            Write-Host ("    {0} ms into the conversion: {1}; {2} of 12 fields converted, {3} secrets in the vault" -f $delay, $(if ($killed) { 'killed' } else { 'had finished' }), $converted, @(Get-SecretInfo -Vault $vault).Count)

            # Whatever the kill left behind, a second run finishes the job.
            $null = Convert-DcSourceSecret -Database $db -Vault $vault -Confirm:$false
            foreach ($name in $values.Keys) {
                (Get-DcSourceConnection $name -Database $db -AsPlainText).Settings['password'] | Should -BeExactly $values[$name] -Because "$name keeps its credential"
            }
            @(Get-DcSource -Database $db | Where-Object HasPlaintextSecret) | Should -BeNullOrEmpty
            @(Get-SecretInfo -Vault $vault).Count | Should -Be 12 -Because 'every field has exactly one secret'
            foreach ($file in Get-CatalogFiles $db) {
                foreach ($value in $values.Values) { Test-BytesContain -Path $file -Text $value | Should -BeFalse -Because "$file must not keep a plaintext value" }
            }
        }
        finally {
            Remove-TestVault -Name $vault
        }
    }
}
