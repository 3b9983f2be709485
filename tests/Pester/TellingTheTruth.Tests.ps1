#Requires -Version 7.4
# Telling the truth: a preflight never gives false assurance. A catalog that is not there is an error, never an
# empty healthy one; plaintext, the Python tool's "**********" and empty secrets fail Test-DcSource -Quiet; a
# connection that did not fully resolve is never emitted; cmdlets that take sources act on exactly those.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCT_PASSWORD', 'DCT_UNSET')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    $script:PythonDdl = 'CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), ' +
        'source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, ' +
        'last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, ' +
        'created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id)); ' +
        'CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name);'

    function New-PythonCatalog([string] $Database, [hashtable] $Passwords) {
        # One postgresql row per entry, its password stored exactly as given (the Python tool's way).
        Invoke-RawSql -Database $Database -Sql $script:PythonDdl | Out-Null
        $id = 0
        foreach ($name in $Passwords.Keys) {
            $id++
            $info = @{ host = 'db'; port = 5432; database = 'sales'; username = 'app'; password = $Passwords[$name]; ssl_mode = 'prefer' } | ConvertTo-Json -Compress
            Invoke-RawSql -Database $Database -Sql 'INSERT INTO data_sources VALUES ($id, $name, NULL, ''postgresql'', $info, ''null'', 1, NULL, NULL, NULL, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05'')' `
                -Parameters @{ '$id' = $id; '$name' = $name; '$info' = $info } | Out-Null
        }
    }

    function Get-Arguments([hashtable] $Arguments) {
        # A secret is made here, not at discovery, so no plain string is bound to -Secret.
        $copy = $Arguments.Clone()
        if ($copy.ContainsKey('Secret')) { $copy.Secret = ConvertTo-SecureString $copy.Secret -AsPlainText -Force }
        $copy
    }

    function Add-PgSource([string] $Name, [string] $Password = '${DCT_PASSWORD}', [switch] $Encrypt) {
        Add-DcSource -Name $Name -Type postgresql -Encrypt:$Encrypt -ErrorAction Stop -Connection @{
            host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password
        }
    }
}

AfterAll {
    Restore-TestEnvironment
}

BeforeDiscovery {
    $script:ReadCommands = @(
        @{ Command = 'Get-DcSource'; Arguments = @{} }
        @{ Command = 'Test-DcSource'; Arguments = @{ Quiet = $true } }
        @{ Command = 'Get-DcSourceConnection'; Arguments = @{ Name = 'pg' } }
        @{ Command = 'Get-DcEncryptionStatus'; Arguments = @{} }
        @{ Command = 'Get-DcAuditEvent'; Arguments = @{} }
        @{ Command = 'Get-DcSecretInventory'; Arguments = @{} }
        @{ Command = 'Remove-DcSource'; Arguments = @{ Name = 'pg'; Confirm = $false } }
        @{ Command = 'Convert-DcSourceSecret'; Arguments = @{ Confirm = $false } }
        @{ Command = 'Update-DcEncryptionKey'; Arguments = @{ Confirm = $false } }
        @{ Command = 'Set-DcSourceSecret'; Arguments = @{ Name = 'pg'; Field = 'password'; Secret = 'x'; Confirm = $false } }
        @{ Command = 'Remove-DcEncryptionKey'; Arguments = @{ KeyId = '0123abcd'; Confirm = $false } }
        @{ Command = 'Set-DcSource'; Arguments = @{ Name = 'pg'; DisplayName = 'x'; Confirm = $false } }
        @{ Command = 'Export-DcSource'; Arguments = @{ PassThru = $true } }
        @{ Command = 'Move-DcSourceSecret'; Arguments = @{ From = 'A'; To = 'B'; Confirm = $false } }
    )
}

Describe 'Telling the truth' -Tag 'Integration' {
    BeforeEach {
        Restore-TestEnvironment
        foreach ($name in $script:EnvNames) { Set-TestVariable $name $null }
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Database = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
    }

    Context 'a catalog that is not there' {
        It '<Command> -Database <missing> ends with DcCatalogNotFound naming the path and -Database, and creates nothing' -ForEach $script:ReadCommands {
            $missing = Join-Path $TestDrive 'no/such/dir/c.db'
            $arguments = Get-Arguments $Arguments
            { $script:output = & $Command @arguments -Database $missing -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' $Command)
            $script:output | Should -BeNullOrEmpty
            $record = $Error[0]
            $record.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $record.Exception.Message | Should -BeLike "*'$missing'*-Database*"
            $record.TargetObject | Should -Be $missing
            Test-Path (Join-Path $TestDrive 'no') | Should -BeFalse
        }

        It '<Command> with $env:DATACOMPASS_DATA_DIR mistyped names the variable and its value' -ForEach $script:ReadCommands {
            $typo = Join-Path $TestDrive 'typo'
            $env:DATACOMPASS_DATA_DIR = $typo
            $arguments = Get-Arguments $Arguments
            { & $Command @arguments -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' $Command)
            $Error[0].Exception.Message | Should -BeLike "*'$(Join-Path $typo 'datacompass.db')'*`$env:DATACOMPASS_DATA_DIR = '$typo'*"
            Test-Path $typo | Should -BeFalse
        }

        It 'Test-DcSource -Quiet never answers True, so a guarded runbook step does not run' {
            $result = Invoke-ChildPwsh -Environment @{ DATACOMPASS_DATA_DIR = (Join-Path $TestDrive 'typo') } -Script @"
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$((Resolve-Path $script:DcModulePath).Path)'
if (Test-DcSource -Quiet) { 'the guarded step ran' }
"answer: `$(Test-DcSource -Quiet -ErrorAction SilentlyContinue)"
'the runbook went on'
"@
            $result.Output | Should -Not -Contain 'the guarded step ran'
            $result.Output | Should -Contain 'answer: '
            $result.Text | Should -BeLike '*There is no catalog database*'
            $result.Output | Should -Contain 'the runbook went on'
        }

        It 'the default location is named as such' {
            Remove-Item env:DATACOMPASS_DATA_DIR
            $result = Invoke-ChildPwsh -Environment @{ HOME = (Join-Path $TestDrive 'emptyhome'); DATACOMPASS_DATA_DIR = $null } -Script @"
Import-Module '$((Resolve-Path $script:DcModulePath).Path)'
try { Get-DcSource -ErrorAction Stop; 'listed' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
            $result.Output[0] | Should -Be (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSource')
            $result.Output[1] | Should -BeLike '*.datacompass*datacompass.db*the default location*'
        }

        It 'Add-DcSource still creates a new catalog' {
            $env:DCT_PASSWORD = 'x'
            Add-PgSource 'pg'
            (Get-DcSource).Name | Should -Be 'pg'
        }
    }

    Context 'secrets with nothing to follow, in a catalog the Python tool wrote' {
        It 'Test-DcSource reports plaintext as Plaintext (never its value) and -Quiet is False unless -AllowPlaintext' {
            $canary = New-Canary 'plain'
            New-Item -ItemType Directory -Path $env:DATACOMPASS_DATA_DIR | Out-Null
            New-PythonCatalog -Database $script:Database -Passwords @{ pg = $canary }
            $result = Test-DcSource pg
            $result.Status | Should -Be 'Plaintext'
            $result.Kind | Should -Be 'Literal'
            $result.Resolvable | Should -BeTrue
            ($result | Out-String) + ($result | Format-List * | Out-String) | Should -Not -BeLike "*$canary*"
            Test-DcSource -Quiet | Should -BeFalse
            Test-DcSource -Quiet -AllowPlaintext | Should -BeTrue
        }

        It 'the legacy "**********" is Broken, -Quiet is False even with -AllowPlaintext, and Get-DcSourceConnection hands nothing out' {
            New-Item -ItemType Directory -Path $env:DATACOMPASS_DATA_DIR | Out-Null
            New-PythonCatalog -Database $script:Database -Passwords @{ legacy = '**********' }
            (Test-DcSource legacy).Status | Should -Be 'Broken'
            Test-DcSource -Quiet -AllowPlaintext | Should -BeFalse

            $connection = Get-DcSourceConnection legacy -AsPlainText -ErrorVariable failures -ErrorAction SilentlyContinue
            $connection | Should -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretBroken' 'Get-DcSourceConnection')
            $failures[0].Exception.Message | Should -BeLike "*'legacy'*'password'*Set-DcSourceSecret*"
        }

        It 'an empty required password is Empty, and Get-DcSourceConnection refuses it' {
            New-Item -ItemType Directory -Path $env:DATACOMPASS_DATA_DIR | Out-Null
            New-PythonCatalog -Database $script:Database -Passwords @{ blank = '' }
            (Test-DcSource blank).Status | Should -Be 'Empty'
            Test-DcSource -Quiet -AllowPlaintext | Should -BeFalse
            Get-DcSourceConnection blank -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretEmpty' 'Get-DcSourceConnection')
        }

        It 'a variable set to nothing as the whole password is Empty' {
            $env:DCT_PASSWORD = 'set'
            Add-PgSource 'pg'
            Test-DcSource -Quiet | Should -BeTrue
            [Environment]::SetEnvironmentVariable('DCT_PASSWORD', '')
            if ([Environment]::GetEnvironmentVariable('DCT_PASSWORD') -ne '') { Set-ItResult -Skipped -Because 'this platform cannot hold an empty environment variable' }
            (Test-DcSource pg).Status | Should -Be 'Empty'
            Test-DcSource -Quiet | Should -BeFalse
        }

        It 'an encrypted value no key opens is KeyMissing and fails -Quiet' {
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            Add-PgSource 'enc' -Password (New-Canary 'enc') -Encrypt
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            (Test-DcSource enc).Status | Should -Be 'KeyMissing'
            Test-DcSource -Quiet -AllowPlaintext | Should -BeFalse
        }
    }

    Context 'a connection that did not resolve is not emitted' {
        It 'emits nothing for the failed source, even with -ErrorAction SilentlyContinue, and the others still come out' {
            $env:DCT_PASSWORD = 'pw'
            Add-PgSource 'good'
            Add-PgSource 'bad' -Password '${DCT_UNSET}'
            $connections = @(Get-DcSourceConnection good, bad -ErrorVariable failures -ErrorAction SilentlyContinue)
            $connections.Name | Should -Be @('good')
            $connections[0].Credential | Should -Not -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Get-DcSourceConnection')
            Get-DcSourceConnection bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
    }

    Context 'serialized outputs carry no secret, not even its length' {
        BeforeEach {
            # An odd length, so that a {"Length":N} would stand out.
            $script:Canary = (New-Canary 'json') + 'xyz'
            $env:DCT_PASSWORD = $script:Canary
            Add-PgSource 'pg'
        }

        It 'PowerShell still gets the SecureString and the PSCredential' {
            $connection = Get-DcSourceConnection pg
            $connection.Settings['password'] | Should -BeOfType [securestring]
            $connection.Credential | Should -BeOfType [pscredential]
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $script:Canary
            $connection.Settings['host'] | Should -Be 'db.example.com'
            $connection.SecretFields | Should -Be @('password')
            (Get-DcSourceConnection pg -AsPlainText).Settings['password'] | Should -BeExactly $script:Canary
        }

        It 'ConvertTo-Json masks every secret and writes no length, with or without -AsPlainText' {
            foreach ($connection in (Get-DcSourceConnection pg), (Get-DcSourceConnection pg -AsPlainText)) {
                $json = $connection | ConvertTo-Json -Depth 10
                $json | Should -Not -BeLike "*$script:Canary*"
                $json | Should -Not -BeLike '*Length*'
                $parsed = $json | ConvertFrom-Json
                $parsed.Settings.password | Should -Be '********'
                $parsed.Settings.host | Should -Be 'db.example.com'
                $parsed.Credential.UserName | Should -Be 'app'
                $parsed.Credential.Password | Should -Be '********'
            }
        }

        It 'Export-Clixml keeps the name, type and secret field names, and no value in any encoding' {
            $path = Join-Path $TestDrive 'connection.xml'
            Get-DcSourceConnection pg | Export-Clixml -Path $path
            Find-Canary -Path $path -Canaries @{ password = $script:Canary } | Should -BeNullOrEmpty
            $hex = -join ([Text.Encoding]::Unicode.GetBytes($script:Canary) | ForEach-Object { $_.ToString('x2') })
            (Get-Content -Raw $path) | Should -Not -BeLike "*$hex*"
            $restored = Import-Clixml -Path $path
            $restored.Name | Should -Be 'pg'
            $restored.Type | Should -Be 'postgresql'
            $restored.SecretFields | Should -Be @('password')
        }

        It 'Get-DcSource writes Provenance as its name in JSON' {
            $fields = (Get-DcSource pg | ConvertTo-Json -Depth 5 | ConvertFrom-Json).Fields
            ($fields | Where-Object Name -EQ 'password').Provenance | Should -Be 'Env'
            ($fields | Where-Object Name -EQ 'host').Provenance | Should -Be 'Literal'
        }
    }

    Context 'cmdlets that take sources act on exactly those' {
        BeforeEach {
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            foreach ($name in 'pg-hr', 'pg-sales', 'mysql-ish') { Add-PgSource $name -Password (New-Canary $name) -Encrypt }
            $script:OldKey = $env:DATACOMPASS_ENCRYPTION_KEY
            $script:NewKey = New-FernetKeyText
        }

        It 'Get-DcSource pg-hr | Get-DcEncryptionStatus counts only pg-hr' {
            $status = Get-DcSource pg-hr | Get-DcEncryptionStatus
            $status.Fields | Should -Be @('pg-hr.password')
            (Get-DcEncryptionStatus).Values | Should -Be 3
        }

        It 'Get-DcSource pg* | Update-DcEncryptionKey re-encrypts only the pg sources' {
            $env:DATACOMPASS_ENCRYPTION_KEY = "$script:NewKey,$script:OldKey"
            $update = Get-DcSource pg* | Update-DcEncryptionKey -Confirm:$false
            $update.Reencrypted | Should -Be 2
            $status = Get-DcEncryptionStatus
            ($status | Where-Object KeyId -EQ (Get-FernetKeyId $script:NewKey)).Fields | Sort-Object | Should -Be @('pg-hr.password', 'pg-sales.password')
            ($status | Where-Object KeyId -EQ (Get-FernetKeyId $script:OldKey)).Fields | Should -Be @('mysql-ish.password')
        }

        It 'an empty pipeline does nothing: no status, no re-encryption, no conversion' {
            $env:DATACOMPASS_ENCRYPTION_KEY = "$script:NewKey,$script:OldKey"
            Get-DcSource nomatch* | Get-DcEncryptionStatus | Should -BeNullOrEmpty
            Get-DcSource nomatch* | Update-DcEncryptionKey -Confirm:$false | Should -BeNullOrEmpty
            Get-DcSource nomatch* | Convert-DcSourceSecret -Confirm:$false | Should -BeNullOrEmpty
            (Get-DcEncryptionStatus | Where-Object KeyId -EQ (Get-FernetKeyId $script:OldKey)).Values | Should -Be 3
        }

        It 'piped sources from two catalogs are each worked on in their own' {
            $other = Join-Path $TestDrive "other-$([guid]::NewGuid().ToString('n')).db"
            Add-DcSource -Database $other -Name 'elsewhere' -Type postgresql -Encrypt -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = (New-Canary 'o') }
            $env:DATACOMPASS_ENCRYPTION_KEY = "$script:NewKey,$script:OldKey"
            $updates = @(@(Get-DcSource pg-hr) + @(Get-DcSource -Database $other) | Update-DcEncryptionKey -Confirm:$false)
            $updates.Database | Should -Be @($script:Database, $other)
            $updates.Reencrypted | Should -Be @(1, 1)
        }
    }
}

Describe 'Telling the truth: Import-DcSource' -Tag 'Integration' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Database = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
        $script:Folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "import-$([guid]::NewGuid().ToString('n'))")
        Set-Content -Path (Join-Path $script:Folder 'pg.yaml') -Value 'type: postgresql', 'host: h', 'database: d', 'username: u', 'password: "${DCT_PASSWORD}"'
    }

    It 'creates a new catalog as Add-DcSource does, and none under -WhatIf' {
        Import-DcSource -Path $script:Folder -WhatIf
        $env:DATACOMPASS_DATA_DIR | Should -Not -Exist
        Import-DcSource -Path $script:Folder -ErrorAction Stop
        (Get-DcSource).Name | Should -Be 'pg'
    }

    It 'never reads a mistyped -Path as an empty folder, so -Prune cannot empty the catalog' {
        Import-DcSource -Path $script:Folder -ErrorAction Stop
        { Import-DcSource -Path "$($script:Folder)-typo" -Prune -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcImportPathNotFound' 'Import-DcSource')
        (Get-DcSource).Name | Should -Be 'pg'
    }
}
